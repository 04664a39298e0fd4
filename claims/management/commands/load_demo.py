"""Load the seed article as demo data; running it again changes nothing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from claims import demo, projection, services
from claims.models import Claim, Dispute, Topic
from sources import services as source_services
from sources.models import Document, Source
from sources.selectors import source_by_name


class Command(BaseCommand):
    help = "Load the seed article (Antiwar.com, 2024-04-22) as demo data. Idempotent."

    def handle(self, *args, **options):
        # Each claim is projected once, after its last hop and dispute, not after every one:
        # the stored result is the same, with 9 projections instead of 34.
        with transaction.atomic(), projection.at_end():
            self.load()

    def load(self):
        created = {"sources": 0, "documents": 0, "claims": 0, "hops": 0, "disputes": 0}

        sources: dict[str, Source] = {}
        for name, kind, anonymous, country, parent, affiliation, description in demo.SOURCES:
            source = source_by_name(name)
            if source is None:
                source = source_services.source_create(
                    name=name,
                    kind=kind,
                    is_anonymous=anonymous,
                    country=country,
                    affiliated_with=sources[parent] if parent else None,
                    affiliation=affiliation,
                    description=description,
                )
                created["sources"] += 1
            sources[name] = source

        documents: dict[str, Document] = {}
        for spec in demo.DOCUMENTS:
            publisher = sources[spec["publisher"]]
            document = Document.objects.filter(publisher=publisher, title=spec["title"]).first()
            if document is None:
                fields = {k: v for k, v in spec.items() if k not in {"key", "publisher"}}
                document = source_services.document_create(publisher=publisher, **fields)
                created["documents"] += 1
            documents[spec["key"]] = document

        topics: dict[str, Topic] = {}
        for spec in demo.CLAIMS:
            for name in spec["topics"]:
                if name not in topics:
                    topics[name] = Topic.objects.filter(name=name).first() or services.topic_create(
                        name=name
                    )

        for spec in demo.CLAIMS:
            claim = Claim.objects.filter(text=spec["text"]).first()
            if claim is None:
                claim = services.claim_create(
                    text=spec["text"],
                    location=spec["location"],
                    topics=[topics[name] for name in spec["topics"]],
                )
                created["claims"] += 1
            hops_by_source = self.ensure_hops(claim, spec, sources, documents, created)
            dispute = spec.get("dispute")
            if dispute:
                self.ensure_dispute(claim, dispute, sources, documents, hops_by_source, created)

        # "1 dispute", not "1 disputes": the keys are plural nouns.
        summary = ", ".join(
            f"{n} {what if n != 1 else what.removesuffix('s')}" for what, n in created.items()
        )
        self.stdout.write(f"Demo data loaded from the seed article: created {summary}.")

    def ensure_hops(self, claim, spec, sources, documents, created):
        by_source = {hop.source.name: hop for hop in claim.attributions.select_related("source")}
        previous = []
        for step in spec["steps"]:
            current = []
            for name in step:
                hop = by_source.get(name)
                if hop is None:
                    key = demo.HOP_DOCUMENTS.get(name)
                    hop = services.attribution_add(
                        claim=claim,
                        source=sources[name],
                        document=documents[key] if key else None,
                        cites=previous,
                        quote=spec["quote"] if name == "Antiwar.com" else "",
                        quote_language="",
                    )
                    by_source[name] = hop
                    created["hops"] += 1
                current.append(hop)
            previous = current
        return by_source

    def ensure_dispute(self, claim, spec, sources, documents, hops_by_source, created):
        disputed_by = sources[spec["disputed_by"]]
        target = hops_by_source[spec["target_source"]]
        exists = Dispute.objects.filter(
            claim=claim, disputed_by=disputed_by, kind=spec["kind"], target=target
        ).exists()
        if not exists:
            services.dispute_record(
                claim=claim,
                disputed_by=disputed_by,
                kind=spec["kind"],
                target=target,
                statement=spec["statement"],
                quote=spec["quote"],
                document=documents["article"],
            )
            created["disputes"] += 1
