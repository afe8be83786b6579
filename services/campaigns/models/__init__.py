"""Campaigns tables: axes, initiatives, milestones, beneficiaries, the integration rubric,
KPIs with targets and values, activity and media-coverage reports.

Organizations, users and channels belong to the directory: they are plain UUID columns
here (services never reach into each other's tables, except the shared organization tree
read through `services.common.orgtree`).
"""

from __future__ import annotations

from services.campaigns.models.campaigns import (
    Campaign,
    CampaignDecision,
    CrisisActivation,
    CrisisPlaybook,
    Flight,
    KeyMessage,
    KeyMessageVersion,
)
from services.campaigns.models.common import (
    CAMPAIGN_SEARCH_SQL,
    INITIATIVE_SEARCH_SQL,
    KEY_MESSAGE_SEARCH_SQL,
    Figure,
    Money,
)
from services.campaigns.models.initiatives import (
    Axis,
    Beneficiary,
    Initiative,
    IntegrationCriterion,
    Milestone,
)
from services.campaigns.models.inquiry_facts import InquiryFact
from services.campaigns.models.kpis import Kpi, KpiRollup, KpiTarget, KpiValue, Report

__all__ = [
    "CAMPAIGN_SEARCH_SQL",
    "INITIATIVE_SEARCH_SQL",
    "KEY_MESSAGE_SEARCH_SQL",
    "Axis",
    "Beneficiary",
    "Campaign",
    "CampaignDecision",
    "CrisisActivation",
    "CrisisPlaybook",
    "Figure",
    "Flight",
    "Initiative",
    "InquiryFact",
    "IntegrationCriterion",
    "KeyMessage",
    "KeyMessageVersion",
    "Kpi",
    "KpiRollup",
    "KpiTarget",
    "KpiValue",
    "Milestone",
    "Money",
    "Report",
]
