"""Surveys in the single table (``PK=CASE#<ref>, SK=SURVEY``), port ``SurveyStore``.

Every change of a survey is one transaction with its timeline item, guarded by conditions:
one survey per answer of the entity (round), one answer per survey, and nothing after the
window (``closes_at``, compared as ISO strings of the same format)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from tawasul.adapters.dynamodb import (
    TableAdapter,
    cancelled_by_condition,
    case_change_put,
    case_pk,
    dump,
    load,
    timeline_put,
    translated_errors,
)
from tawasul.clock import iso, parse_iso
from tawasul.domain.case import Case, TimelineEntry
from tawasul.domain.lifecycle import Status
from tawasul.domain.survey import Survey, SurveyAnswer
from tawasul.errors import ConcurrentChange

SURVEY_SK = "SURVEY"


def survey_item(survey: Survey) -> dict[str, Any]:
    answer = survey.answer
    return {
        "PK": case_pk(survey.reference),
        "SK": SURVEY_SK,
        "kind": "survey",
        "reference": survey.reference,
        "round": survey.round,
        "responded_event_id": survey.responded_event_id,
        "opens_at": iso(survey.opens_at),
        "closes_at": iso(survey.closes_at),
        "answered_at": iso(survey.answered_at) if survey.answered_at else None,
        "satisfaction": answer.satisfaction if answer else None,
        "resolved": answer.resolved if answer else None,
        "comment": answer.comment if answer else None,
        "reopened_at": iso(survey.reopened_at) if survey.reopened_at else None,
    }


def survey_from_item(item: dict[str, Any]) -> Survey:
    answered = item.get("satisfaction") is not None
    return Survey(
        reference=item["reference"],
        round=int(item["round"]),
        responded_event_id=item["responded_event_id"],
        opens_at=parse_iso(item["opens_at"]),
        closes_at=parse_iso(item["closes_at"]),
        answer=SurveyAnswer(
            satisfaction=int(item["satisfaction"]),
            resolved=bool(item["resolved"]),
            comment=item.get("comment"),
        )
        if answered
        else None,
        answered_at=parse_iso(item["answered_at"]) if item.get("answered_at") else None,
        reopened_at=parse_iso(item["reopened_at"]) if item.get("reopened_at") else None,
    )


class DynamoSurveyStore(TableAdapter):
    def get(self, reference: str) -> Survey | None:
        with translated_errors():
            found = self.db.get_item(
                TableName=self._table,
                Key={"PK": {"S": case_pk(reference)}, "SK": {"S": SURVEY_SK}},
                ConsistentRead=True,
            )
        item = found.get("Item")
        return survey_from_item(load(item)) if item else None

    def open(self, case: Case, survey: Survey, entry: TimelineEntry, previous: Survey | None) -> None:
        if previous is None:
            put = self._survey_put(survey, "attribute_not_exists(PK)", {})
        else:
            put = self._survey_put(
                survey,
                "#round = :round AND #event = :event",
                {":round": {"N": str(previous.round)}, ":event": {"S": previous.responded_event_id}},
                {"#event": "responded_event_id"},
            )
        still_responded = {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": {"PK": {"S": case_pk(case.reference)}, "SK": {"S": "CASE"}},
                "ConditionExpression": "#s = :responded",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":responded": {"S": Status.RESPONDED.value}},
            }
        }
        self._transact([put, timeline_put(self._table, case, entry), still_responded])

    def answer(self, case: Case, survey: Survey, entry: TimelineEntry, now: datetime) -> None:
        put = self._survey_put(
            survey,
            "#round = :round AND attribute_not_exists(#answered) AND #closes > :now",
            {":round": {"N": str(survey.round)}, ":now": {"S": iso(now)}},
            {"#answered": "satisfaction", "#closes": "closes_at"},
        )
        self._transact([put, timeline_put(self._table, case, entry)])

    def reopen(self, before: Case, after: Case, entry: TimelineEntry, survey: Survey, now: datetime) -> None:
        put = self._survey_put(
            survey,
            "#round = :round AND #closes > :now",
            {":round": {"N": str(survey.round)}, ":now": {"S": iso(now)}},
            {"#closes": "closes_at"},
        )
        self._transact(
            [case_change_put(self._table, before, after), timeline_put(self._table, after, entry), put]
        )

    # --- helpers -------------------------------------------------------------------------
    def _survey_put(
        self,
        survey: Survey,
        condition: str,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": dump(survey_item(survey)),
            "ConditionExpression": condition,
        }
        all_names = {**({"#round": "round"} if "#round" in condition else {}), **(names or {})}
        if all_names:
            put["ExpressionAttributeNames"] = all_names
        if values:
            put["ExpressionAttributeValues"] = values
        return {"Put": put}

    def _transact(self, items: list[dict[str, Any]]) -> None:
        try:
            with translated_errors():
                self.db.transact_write_items(TransactItems=items)
        except ClientError as error:
            if cancelled_by_condition(error):
                raise ConcurrentChange() from error
            raise
