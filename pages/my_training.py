import streamlit as st

from listening.core import clock
from listening.core.db import session_scope
from listening.core.errors import ServiceError
from listening.core.i18n import _, format_date, join_list
from listening.models import Mode, Role
from listening.volunteers import training
from listening.volunteers.training import MODULE_STATE_LABELS, STAGE_LABELS, module_summary, module_title
from ui import actions, shell
from ui.format import label
from ui.inert import md

account = shell.require(Role.volunteer)
st.title(_("My training"))

today = clock.today()
try:
    with session_scope() as session:
        status = training.my_training(session, actor=account, on=today)
except ServiceError as error:
    shell.show_error(error)
    st.stop()

st.subheader(_("Stage: {stage}", stage=_(STAGE_LABELS[status.stage])))
if status.modes:
    st.markdown(_("You may listen: {modes}", modes=join_list(label(m) for m in Mode if m in status.modes)))
else:
    st.markdown(_("You may not listen on your own yet."))

core_done = sum(m.is_valid for m in status.core_modules)
st.progress(core_done / max(1, len(status.core_modules)),
            text=_("Training modules: {done} of {total}", done=core_done, total=len(status.core_modules)))
shadow_done = min(status.shadow_done, status.shadow_required)
st.progress(shadow_done / max(1, status.shadow_required),
            text=_("Sessions observed beside a mentor: {done} of {total}", done=shadow_done,
                   total=status.shadow_required))
home_done = sum(m.is_valid for m in status.home_only_modules)
st.progress(home_done / max(1, len(status.home_only_modules)),
            text=_("Home-visit certification: {done} of {total}", done=home_done,
                   total=len(status.home_only_modules)))

for module in status.expired:
    st.error(_("{title} expired on {date}.", title=md(module_title(module.module)),
               date=format_date(module.valid_through)))
for module in status.expiring:
    st.warning(_("{title} is valid through {date}. Renew it before then.", title=md(module_title(module.module)),
                 date=format_date(module.valid_through)))

st.subheader(_("What to do next"))
steps = training.next_steps(status)
if not steps:
    st.caption(_("Nothing to do: your training is complete and valid."))
for step in steps:
    st.markdown(f"- {md(step)}")

st.subheader(_("My modules"))
st.dataframe(
    [
        {
            _("Module"): module_title(m.module),
            _("State"): _(MODULE_STATE_LABELS[m.state]),
            _("Completed"): format_date(m.completed_on) if m.completed_on else "",
            _("Valid through"): format_date(m.valid_through) if m.valid_through else "",
            _("About"): module_summary(m.module),
        }
        for m in status.modules
    ],
    hide_index=True,
    width="stretch",
)


def quiz_result(result) -> str | tuple[str, str]:
    """The score, and what it means (a warning when not passed)."""
    if not result.passed:
        return "warning", _("{score}% - not passed yet (the pass mark is {pass_percent}%). Read the module again "
                            "and try once more.", score=result.score_percent, pass_percent=result.pass_percent)
    if result.completion_recorded:
        return _("{score}% - passed. The module is recorded as completed.", score=result.score_percent)
    return _("{score}% - passed. A coordinator will sign off the module.", score=result.score_percent)


st.subheader(_("Take a quiz"))
actions.show_flash()
quiz_modules = {m.module.code: module_title(m.module) for m in status.modules
                if m.module.requires_quiz and training.quiz_questions(m.module.code)}
code = st.selectbox(_("Module"), list(quiz_modules), format_func=quiz_modules.get, index=None, key="quiz_module",
                    placeholder=_("Choose"))
if code:
    questions = training.quiz_questions(code)
    with st.form(f"quiz_{code}"):
        answers = {}
        for number, question in enumerate(questions, start=1):
            answers[question.id] = st.radio(f"{number}. {question.question}", range(len(question.choices)),
                                            format_func=lambda i, q=question: q.choices[i], index=None,
                                            key=f"quiz_{question.id}")
        if st.form_submit_button(_("Submit answers")):
            actions.run(training.submit_quiz, actor=account, module_code=code, answers=answers, success=quiz_result)
