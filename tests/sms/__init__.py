"""Tests for listening.sms."""
