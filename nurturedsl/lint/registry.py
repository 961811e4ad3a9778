"""The one place rules are registered. A rule not listed here does not run.

Rules are listed in code order; `get` finds one by code or name.
"""

from __future__ import annotations

from .rule import Rule
from .rules import (
    compliance,
    content,
    experiments,
    freshness,
    give_to_get,
    reengagement,
    scoring,
    segmentation,
    structure,
    timing,
    timing_volume,
)
from .suppress import UnusedSuppression

RULES: tuple[type[Rule], ...] = (
    UnusedSuppression,
    structure.UnreachableStep,
    structure.LoopWithoutWait,
    structure.NoExitTriggers,
    structure.MissingUnsubscribeExit,
    structure.MissingConversionExit,
    structure.NoGoal,
    structure.BranchNotExhaustive,
    structure.EmptyBranchArm,
    structure.UnreachableFlow,
    structure.OrphanFile,
    structure.WebhookUnknownPlaceholder,
    experiments.ExperimentGoalOutOfReach,
    experiments.ExperimentAlreadyDecided,
    experiments.ExperimentDecidedBeforeAnyWindow,
    timing.SlowFirstTouch,
    timing.CadenceTooTight,
    timing.CadenceTooLoose,
    timing_volume.TooManyTouches,
    timing_volume.FlowFrequencyCap,
    timing_volume.ProgrammeFrequencyCap,
    timing.BackToBackTouches,
    timing.WaitUntilWithoutTimeout,
    give_to_get.AskBeforeGives,
    give_to_get.AskShare,
    give_to_get.ConsecutiveAsks,
    give_to_get.AllAsks,
    give_to_get.WayOutNotLast,
    scoring.NoScoreModel,
    scoring.NoHandoffThreshold,
    scoring.ScoreNeverDecays,
    scoring.ScoresEmailOpens,
    scoring.UnreachableThreshold,
    scoring.FitOnlyThreshold,
    compliance.SmsWithoutConsent,
    compliance.MissingUnsubscribeLink,
    compliance.WebhookWithoutHttps,
    content.GatedGive,
    content.DeadWeightCopy,
    content.RepeatedContent,
    content.AskWithoutNextStep,
    segmentation.BroadcastFlow,
    segmentation.UnusedSegment,
    segmentation.UnusedContent,
    segmentation.EmailOnlyFlow,
    reengagement.ReengagementTooLong,
    reengagement.ReengagementWithoutSuppress,
    reengagement.ExitOnOldActivity,
    freshness.StaleReview,
    freshness.MissingReviewDate,
    freshness.WaitDatePassed,
)

BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in RULES}
BY_NAME: dict[str, type[Rule]] = {rule.name: rule for rule in RULES}


def get(code_or_name: str) -> type[Rule]:
    """A rule by code (`NUR301`, any case) or name; KeyError if unknown."""
    rule = BY_CODE.get(code_or_name.upper()) or BY_NAME.get(code_or_name.lower())
    if rule is None:
        raise KeyError(code_or_name)
    return rule
