"""Training: the curriculum (data/curriculum.json), the ladder a volunteer climbs, and recording their progress.

The ladder is derived from the records, never typed in (`ladder`, whose docstring explains expiry day by day);
coordinators record completions one class at a time (`records`) or from a CSV file (`completions_csv`), volunteers
take quizzes (`quiz`), and `progress` is what each of them sees. Callers use the names re-exported here.
"""

from listening.volunteers.training.completions_csv import (
    CSV_COLUMNS,
    PROBLEMS_SHOWN,
    ImportRejected,
    RowProblem,
    import_completions_csv,
)
from listening.volunteers.training.curriculum import (
    Curriculum,
    curriculum,
    module_summary,
    module_title,
    sync_curriculum,
    training_modules,
    valid_through,
)
from listening.volunteers.training.ladder import (
    ACTIVE_MODES,
    MODULE_STATE_LABELS,
    STAGE_LABELS,
    STAGE_ORDER,
    ModuleState,
    ModuleStatus,
    Stage,
    TrainingStatus,
    eligible_modes,
    mode_eligibility,
    training_status,
    training_statuses,
)
from listening.volunteers.training.progress import (
    METHOD_LABELS,
    OverviewRow,
    TimelineEntry,
    filter_overview,
    my_training,
    next_steps,
    overview_rows,
    training_overview,
    volunteer_timeline,
)
from listening.volunteers.training.quiz import QuizQuestion, QuizResult, quiz_questions, quizzes, submit_quiz
from listening.volunteers.training.records import add_applicant, record_completions, record_shadow_session

__all__ = [
    "ACTIVE_MODES",
    "CSV_COLUMNS",
    "METHOD_LABELS",
    "MODULE_STATE_LABELS",
    "STAGE_LABELS",
    "STAGE_ORDER",
    "Curriculum",
    "ImportRejected",
    "ModuleState",
    "ModuleStatus",
    "OverviewRow",
    "PROBLEMS_SHOWN",
    "QuizQuestion",
    "QuizResult",
    "RowProblem",
    "Stage",
    "TimelineEntry",
    "TrainingStatus",
    "add_applicant",
    "curriculum",
    "eligible_modes",
    "filter_overview",
    "import_completions_csv",
    "mode_eligibility",
    "module_summary",
    "module_title",
    "my_training",
    "next_steps",
    "overview_rows",
    "quiz_questions",
    "quizzes",
    "record_completions",
    "record_shadow_session",
    "submit_quiz",
    "sync_curriculum",
    "training_modules",
    "training_overview",
    "training_status",
    "training_statuses",
    "valid_through",
    "volunteer_timeline",
]
