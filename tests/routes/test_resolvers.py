"""Each resolver on its own: field, dual notification (matched, unmatched, claim) and subscribers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from routes import RouteTable
from routes.approvals import Approval, ApprovalList
from routes.decision import CLAIM
from routes.resolvers import CreditSubscribers, DualNotification, FieldResolver, Static
from routes.subscriptions import Subscription, SubscriptionList

APPROVALS = ApprovalList(
    status="unconfirmed",
    note="test list",
    approvals=[
        Approval(
            item="食品经营许可",
            keywords=["食品经营", "餐饮服务"],
            departments=["market"],
        ),
        Approval(item="印章刻制许可", keywords=["印章刻制"], departments=["police"]),
        Approval(item="联合审批", keywords=["联合"], departments=["police", "safety"]),
    ],
)


def registration(*items: object) -> dict[str, object]:
    return {"event": "establishment", "business_scope": {"licensed_items": list(items)}}


def test_static_resolver_returns_its_destinations_in_order() -> None:
    resolution = Static(("credit-platform", "city-platform")).resolve({})
    assert [t[0] for t in resolution.targets] == ["credit-platform", "city-platform"]


def test_field_resolver_sends_to_each_known_system_in_a_list(
    systems: frozenset[str],
) -> None:
    resolution = FieldResolver("enforcing_departments", systems).resolve(
        {"enforcing_departments": ["housing", "police"]}
    )
    assert [t[0] for t in resolution.targets] == ["housing", "police"]
    assert resolution.problems == ()


def test_field_resolver_reads_a_single_id_at_a_nested_path(
    systems: frozenset[str],
) -> None:
    resolution = FieldResolver("listing.department", systems).resolve(
        {"listing": {"department": "tax"}}
    )
    assert resolution.targets == (("tax", "listing.department names tax"),)


def test_field_resolver_reports_unknown_ids_with_their_index_and_skips_them(
    systems: frozenset[str],
) -> None:
    resolution = FieldResolver("enforcing_departments", systems).resolve(
        {"enforcing_departments": ["health", "区城管执法局", "claim"]}
    )
    assert [t[0] for t in resolution.targets] == ["health"]
    assert [(p.code, p.path) for p in resolution.problems] == [
        ("route.unknown_destination", "enforcing_departments.1"),
        ("route.unknown_destination", "enforcing_departments.2"),
    ]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({}, "field.missing"),
        ({"raised_by": None}, "field.missing"),
        ({"raised_by": 7}, "route.bad_field"),
    ],
)
def test_field_resolver_reports_a_missing_or_malformed_field(
    systems: frozenset[str], payload: dict[str, object], code: str
) -> None:
    resolution = FieldResolver("raised_by", systems).resolve(payload)
    assert resolution.targets == ()
    assert [(p.code, p.path) for p in resolution.problems] == [(code, "raised_by")]


def test_dual_notification_sends_a_matched_item_to_its_approving_department() -> None:
    resolution = DualNotification(APPROVALS).resolve(
        registration("食品经营（仅销售预包装食品）")
    )
    assert resolution.targets == (
        (
            "market",
            "licensed item 食品经营（仅销售预包装食品） matched approval 食品经营许可 (keyword 食品经营)",
        ),
    )


def test_dual_notification_sends_an_unmatched_item_to_claim() -> None:
    resolution = DualNotification(APPROVALS).resolve(registration("第三类医疗器械经营"))
    assert [t[0] for t in resolution.targets] == [CLAIM]
    assert "第三类医疗器械经营 matched no approval" in resolution.targets[0][1]


def test_dual_notification_handles_matched_and_unmatched_items_together() -> None:
    resolution = DualNotification(APPROVALS).resolve(
        registration("餐饮服务", "某新业态", "公章、印章刻制")
    )
    assert [t[0] for t in resolution.targets] == ["market", CLAIM, "police"]


def test_dual_notification_sends_an_item_to_every_department_of_its_approval() -> None:
    resolution = DualNotification(APPROVALS).resolve(registration("联合经营"))
    assert [t[0] for t in resolution.targets] == ["police", "safety"]


def test_dual_notification_matches_across_full_width_and_spacing() -> None:
    resolution = DualNotification(APPROVALS).resolve(registration("食 品 经 营"))
    assert [t[0] for t in resolution.targets] == ["market"]


def test_dual_notification_ignores_blank_items_and_reports_non_text_ones() -> None:
    resolution = DualNotification(APPROVALS).resolve(registration("  ", 42))
    assert resolution.targets == ()
    assert [(p.code, p.path) for p in resolution.problems] == [
        ("route.bad_field", "business_scope.licensed_items.1")
    ]


def test_dual_notification_without_a_scope_resolves_nothing() -> None:
    assert DualNotification(APPROVALS).resolve({"event": "establishment"}).targets == ()


def test_credit_subscribers_filter_by_category() -> None:
    subscriptions = SubscriptionList(
        subscribers=[
            Subscription(system="service-hall", reason="all"),
            Subscription(system="tax", categories=["重大税收违法"], reason="tax cases"),
        ]
    )
    resolver = CreditSubscribers(subscriptions)
    assert [t[0] for t in resolver.resolve({"category": "重大税收违法"}).targets] == [
        "service-hall",
        "tax",
    ]
    assert [t[0] for t in resolver.resolve({"category": "失信被执行人"}).targets] == [
        "service-hall"
    ]


def test_credit_subscribers_are_read_from_the_data_dir(
    load: Callable[..., RouteTable], write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    rules = write(
        "rules/credit.yaml",
        """
        routes:
          - id: credit-subscribers
            description: subscribers
            match: {record_type: credit_record}
            resolver: credit_subscribers
        """,
    )
    write(
        "data/credit_subscriptions.yaml",
        """
        subscribers:
          - {system: housing, categories: [房地产失信], reason: housing cases}
        """,
    )
    table = load(rules, data_dir=tmp_path / "data")
    decision = table.route(
        "credit_record", "credit-platform", {"category": "房地产失信"}
    )
    assert decision.destinations == ("housing",)


# The brief's post-registration approval examples: licensed item -> approving department.
BRIEF_MAPPING = [
    ("食品经营", "market"), ("危险化学品经营", "safety"), ("道路运输经营", "construction"),
    ("医疗机构执业", "health"), ("娱乐场所经营", "culture"), ("出版物零售", "culture"),
    ("烟草专卖零售", "tobacco"), ("民办教育培训", "education"), ("旅行社业务", "commerce"),
    ("人力资源服务", "human-resources"), ("劳务派遣", "human-resources"), ("排污", "environment"),
    ("旅馆业特种行业", "police"), ("保安服务", "police"), ("印章刻制", "police"), ("取水", "water"),
    ("高危险性体育项目", "sports"), ("房地产经纪", "housing"), ("农药经营", "agriculture"),
    ("兽药经营", "agriculture"), ("种子经营", "agriculture"), ("城市生活垃圾", "greening"),
    ("户外广告", "greening"),
]  # fmt: skip


@pytest.mark.parametrize(("item", "department"), BRIEF_MAPPING)
def test_shipped_approval_list_sends_each_listed_item_to_its_department(
    shipped: RouteTable, item: str, department: str
) -> None:
    decision = shipped.route(
        "enterprise_registration", "legal-entity-library", registration(item)
    )
    dual = {
        m.destination
        for m in decision.matches
        if m.rule == "dual-notification-establishment"
    }
    assert dual == {department}
