"""Erasure and retention (docs/privacy.md, decision 019).

- ``CaseErasure.erase_case``: one final case loses its personal data and keeps its counts: the
  scrubbed case item and a ``CaseErased`` timeline item are written in one transaction guarded by
  the case's version and status (so it never races a live change); then — the case belonging to
  nobody any more, so nobody can add words to it — the partition is read again and every timeline
  item, the survey and the attachments (bytes erased with every version) are scrubbed in place.
  Every step is idempotent: erasing again finishes what a failed run left.
- ``CaseErasure.erase_citizen``: oversight's procedure: every case of the citizen who sent a case,
  and their preferences; refused (409) while any of those cases is not final.
- ``Retention.run``: the daily job: every final case whose last change and due time are older
  than the retention period is erased the same way (the citizen's preferences are not touched).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from tawasul import clock
from tawasul.domain.access import Caller
from tawasul.domain.attachments import AttachmentStatus, file_key, incoming_key, quarantine_key
from tawasul.domain.erasure import ErasureCause, erasable, erasure_entry, scrub_case, scrub_entry
from tawasul.domain.lifecycle import FINAL
from tawasul.domain.reference import parse_reference
from tawasul.errors import CaseNotFinal, CaseNotFound, ConcurrentChange, NotAllowed
from tawasul.observability import logger, metrics
from tawasul.ports import CasePartition, Catalogue, ErasureStore, FileStore

#: A retention run also goes over the cases it erased this recently again (idempotent), so that
#: a run that died between a case item and the rest of its partition is finished the next day.
RESCRUB_DAYS = 2


@dataclass(frozen=True)
class CaseErased:
    reference: str
    newly: bool  # False: it was erased before; its remains were scrubbed again
    files: int  # attachments whose bytes were erased by this call


@dataclass(frozen=True)
class ErasureReport:
    reference: str
    cases: int  # cases erased by this call
    already_erased: int  # cases found erased before (scrubbed again, harmlessly)
    files: int
    preferences: int  # preference and phone challenge items deleted


class CaseErasure:
    def __init__(self, store: ErasureStore, files: FileStore) -> None:
        self._store = store
        self._files = files

    def erase_citizen(self, caller: Caller, reference: str) -> ErasureReport:
        """Erase the citizen who sent ``reference``: every case of theirs, then their preferences.
        The named case is erased last, so that a call that fails half-way can be sent again with
        the same reference (the cases already erased have left the citizen's list)."""
        if not caller.is_oversight:
            raise NotAllowed()
        ref = parse_reference(reference)
        named = self._store.read(ref)
        if named is None:
            raise CaseNotFound()
        if named.case.erased_at is not None:  # its citizen is no longer known: finish this one
            done = self.erase_case(ref, ErasureCause.REQUEST, caller.sub, partition=named)
            return ErasureReport(ref, cases=0, already_erased=1, files=done.files, preferences=0)
        citizen_id = named.case.citizen_id
        others: dict[str, CasePartition] = {}
        for other in self._store.citizen_references(citizen_id):
            if other != ref and (partition := self._store.read(other)) is not None:
                others[other] = partition
        still_open = sorted(r for r, p in {ref: named, **others}.items() if not erasable(p.case))
        if still_open:
            raise CaseNotFinal(
                "Only closed, rejected or withdrawn cases can be erased; still open: "
                f"{', '.join(still_open)}.",
                f"لا يمكن محو البيانات إلا للطلبات المغلقة أو المرفوضة أو المسحوبة؛ ما زالت مفتوحة: "
                f"{'، '.join(still_open)}.",
            )
        results = [
            self.erase_case(r, ErasureCause.REQUEST, caller.sub, partition=p)
            for r, p in sorted(others.items())
        ]
        preferences = self._store.forget_citizen(citizen_id)
        results.append(self.erase_case(ref, ErasureCause.REQUEST, caller.sub, partition=named))
        report = ErasureReport(
            ref,
            cases=sum(1 for r in results if r.newly),
            already_erased=sum(1 for r in results if not r.newly),
            files=sum(r.files for r in results),
            preferences=preferences,
        )
        logger.info(
            "citizen erased",
            extra={"references": [r.reference for r in results], "files": report.files},
        )
        metrics.add_metric(name="CasesErased", unit=MetricUnit.Count, value=report.cases)
        return report

    def erase_case(
        self,
        reference: str,
        cause: ErasureCause,
        actor_id: str | None,
        now: datetime | None = None,
        partition: CasePartition | None = None,
    ) -> CaseErased:
        """Erase one final case (idempotent); ``CaseNotFinal`` for any other, ``ConcurrentChange``
        when it changed since it was read."""
        found = partition or self._store.read(reference)
        if found is None:
            raise CaseNotFound()
        newly = False
        if found.case.erased_at is None:
            if not erasable(found.case):
                raise CaseNotFinal()
            moment = now or clock.now()
            self._store.mark(
                found.case, scrub_case(found.case, moment), erasure_entry(moment, cause, actor_id)
            )
            newly = True
            # read again: an item written between the first read and the transaction (a survey
            # answer, which does not change the case) is scrubbed too
            found = self._store.read(reference) or found
        files = self._scrub(found)
        logger.info("case erased" if newly else "erased case scrubbed again", extra={"reference": reference})
        return CaseErased(reference, newly=newly, files=files)

    def _scrub(self, found: CasePartition) -> int:
        reference = found.case.reference
        for entry in found.timeline:
            self._store.scrub_entry(reference, entry, scrub_entry(entry))
        if found.survey_comment:
            self._store.scrub_survey(reference)
        files = 0
        for attachment in found.attachments:
            if attachment.status is AttachmentStatus.ERASED:
                continue
            # the bytes first: a failure leaves the item as it was, and the next run erases again
            for key in (incoming_key, file_key, quarantine_key):
                self._files.delete(key(reference, attachment.attachment_id))
            self._store.erase_attachment(attachment)
            files += 1
        return files


class Retention:
    """The daily retention job (functions/retention)."""

    def __init__(
        self,
        erasure: CaseErasure,
        store: ErasureStore,
        catalogue: Catalogue,
        *,
        days: int,
        limit: int = 5000,
    ) -> None:
        self._erasure = erasure
        self._store = store
        self._catalogue = catalogue
        self._days = days
        self._limit = limit

    def run(self, now: datetime) -> dict[str, int]:
        """Erase the final cases past the retention period at ``now`` (the clock is the caller's).
        A case that fails is logged, counted and left for the next run; the others go on."""
        cutoff = now - timedelta(days=self._days)
        since = now - timedelta(days=RESCRUB_DAYS)
        counts: Counter[str] = Counter()
        for entity in sorted(self._catalogue.all(), key=lambda e: e.id):
            for status in sorted(FINAL):
                for reference in self._store.expired(
                    entity.id, status, clock.iso(cutoff), clock.iso_micro(cutoff), clock.iso_micro(since)
                ):
                    if counts["erased"] + counts["rescrubbed"] >= self._limit:
                        return self._report(counts, complete=False)
                    self._one(reference, now, counts)
        return self._report(counts, complete=True)

    def _one(self, reference: str, now: datetime, counts: Counter[str]) -> None:
        try:
            done = self._erasure.erase_case(reference, ErasureCause.RETENTION, None, now)
        except (CaseNotFinal, ConcurrentChange, CaseNotFound):
            counts["skipped"] += 1  # it changed since the index said so: its next run decides
            logger.info("retention skipped a case that changed", extra={"reference": reference})
            return
        except Exception:
            counts["failed"] += 1
            logger.exception("retention failed", extra={"reference": reference})
            return
        counts["erased" if done.newly else "rescrubbed"] += 1
        counts["files"] += done.files

    def _report(self, counts: Counter[str], complete: bool) -> dict[str, int]:
        report = {k: counts[k] for k in ("erased", "rescrubbed", "files", "skipped", "failed")}
        report["complete"] = int(complete)
        metrics.add_metric(name="CasesErased", unit=MetricUnit.Count, value=report["erased"])
        metrics.add_metric(name="RetentionFailures", unit=MetricUnit.Count, value=report["failed"])
        return report
