"""One Settings object, read from the environment and an optional `.env` file."""

from __future__ import annotations

import ipaddress
import secrets
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"
DEV_SECRET = "dev-only-secret-change-me"
ENVIRONMENTS = ("development", "test", "production")
RELAXED_ENVIRONMENTS = ("development", "test")  # the only ones that may run on the development secret
MIN_SECRET_LENGTH = 32
# Values copied from examples and tutorials: long enough, and known to everyone.
PLACEHOLDER_SECRETS = frozenset({DEV_SECRET, "change-me", "changeme", "change-this", "replace-me", "secret",
                                 "secret-key", "your-secret-key", "your-secret-key-here", "please-change-me"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: str = Field(default="development", description=" | ".join(ENVIRONMENTS))
    database_url: str = f"sqlite:///{DATA_DIR / 'listening.core.db'}"
    timezone: str = "Asia/Shanghai"
    secret_key: str = DEV_SECRET
    demo_mode: bool = False

    # Sign-in: after `sign_in_free_attempts` failures for one account from one address, each next attempt waits
    # 1 s, 2 s, 4 s ... up to `sign_in_max_delay_seconds`; failures older than `sign_in_forget_minutes` are forgotten.
    sign_in_free_attempts: int = Field(default=3, ge=1)
    sign_in_max_delay_seconds: int = Field(default=300, ge=1)
    sign_in_forget_minutes: int = Field(default=60, ge=1)
    session_idle_minutes: int = 60
    session_max_hours: int = 12

    # SMS
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_base_url: str | None = None  # only for the local fake in tests and benchmarks
    public_base_url: str = "http://localhost:8501"
    quiet_hours: str = "21:00-08:00"
    sms_rate_per_second: float = 1.0
    # Sender threads per worker (0: enough for the full rate at ~0.3 s provider latency, listening/sms/worker.py).
    sms_senders: int = Field(default=0, ge=0)
    centre_phone: str = "0755-2666-0000"

    # The centre as the welcome page and the request page show it to residents (demo values by default).
    centre_address: str = "深圳市南山区南头街道倾听路 1 号 社区服务中心 2 楼"
    # A coordinator calls or texts a new request within this many working days (the page after sending says so).
    request_reply_working_days: int = Field(default=2, ge=1)

    # Public form limits (persistent: a reload or a new browser does not reset them). Over a limit the request
    # is still stored, but no "request received" SMS is queued, and triage says why.
    intake_per_address_per_hour: int = Field(default=5, ge=1)  # submissions from one client address
    intake_per_phone_per_day: int = Field(default=3, ge=1)  # submissions for one phone number
    intake_new_number_sms_per_hour: int = Field(default=20, ge=0)  # SMS to numbers never seen before, in total
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated in the
    # environment: TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8). Empty: the direct peer is the client.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Safeguarding and wellbeing
    unanswered_call_alert_after: int = Field(default=2, ge=1)  # consecutive unanswered phone visits -> alert
    cooling_off_hours: int = Field(default=72, ge=0)  # no new matches after a session with a risk tick
    complaint_days: int = Field(default=7, ge=1)  # a complaint's deadline: the resident hears the outcome by then
    # An escalation nobody has acknowledged is alerted again (to every reachable coordinator) this often.
    safeguarding_realert_minutes: int = Field(default=15, ge=1)

    # Privacy (docs/privacy.md explains the defaults)
    retention_text_days: int = Field(default=180, ge=1)  # notes, topics, reasons: what people told us
    retention_sms_days: int = Field(default=30, ge=1)  # SMS bodies, sent and received
    opt_out_pepper: str | None = None  # key of the erased opt-out hashes; SECRET_KEY when unset

    # Training
    quiz_pass_percent: int = Field(default=80, ge=1, le=100)
    expiry_warning_days: int = Field(default=30, ge=0)  # how long before a module expires the volunteer is warned

    @field_validator("environment")
    @classmethod
    def _known_environment(cls, value: str) -> str:
        if value not in ENVIRONMENTS:
            raise ValueError(f"ENVIRONMENT must be one of {', '.join(ENVIRONMENTS)} (got {value!r})")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_list(cls, value: object) -> list[str]:
        items = value.split(",") if isinstance(value, str) else list(value or [])
        networks = [str(item).strip() for item in items if str(item).strip()]
        for network in networks:
            ipaddress.ip_network(network, strict=False)  # raises for something that is not an address
        return networks

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours_format(cls, value: str) -> str:
        start, _, end = value.partition("-")
        time.fromisoformat(start.strip())
        time.fromisoformat(end.strip())
        return value

    @model_validator(mode="after")
    def _strong_secret_outside_development(self) -> "Settings":
        if self.environment not in RELAXED_ENVIRONMENTS:
            problem = secret_problem(self.secret_key)
            if problem:
                raise ValueError(f"{problem} when ENVIRONMENT={self.environment}; "
                                 "`python -c \"import secrets; print(secrets.token_urlsafe(32))\"` makes one")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet_window(self) -> tuple[time, time]:
        start, _, end = self.quiet_hours.partition("-")
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())

    @property
    def twilio_configured(self) -> bool:
        return bool(
            self.twilio_account_sid
            and self.twilio_auth_token
            and (self.twilio_from or self.twilio_messaging_service_sid)
        )


def secret_problem(secret: str) -> str | None:
    """Why `secret` cannot sign cookies in production, or None when it is strong enough."""
    if secret.strip().lower() in PLACEHOLDER_SECRETS:
        return "SECRET_KEY is a known placeholder"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters"
    if len(set(secret)) < 8:
        return "SECRET_KEY repeats too few characters to be random"
    return None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def settings_problem() -> str | None:
    """One line saying why the settings are refused (naming the variable), or None when they load."""
    try:
        get_settings()
    except ValidationError as error:
        return "; ".join(_one_line(problem) for problem in error.errors())
    return None


def _one_line(problem: dict) -> str:
    message = str(problem.get("msg", "invalid")).removeprefix("Value error, ")
    names = [str(part).upper() for part in problem.get("loc", ()) if part]
    if names and not message.startswith(names[0]):
        return f"{names[0]}: {message}"
    return message


def new_secret() -> str:
    return secrets.token_urlsafe(32)
