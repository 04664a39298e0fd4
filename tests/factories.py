"""factory_boy factories that write through the services, as every surface does."""

import factory

from claims import services
from claims.models import Attribution, Claim, Dispute, Topic
from sources import services as source_services
from sources.models import Document, Source


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Source {n}")
    kind = "news_outlet"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return source_services.source_create(**kwargs)


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    title = factory.Sequence(lambda n: f"Report {n}")
    publisher = factory.SubFactory(SourceFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return source_services.document_create(**kwargs)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.topic_create(**kwargs)


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    text = factory.Sequence(lambda n: f"Claim number {n} happened")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.claim_create(**kwargs)


class AttributionFactory(factory.django.DjangoModelFactory):
    """A hop; pass ``cites=[...]`` for a relay."""

    class Meta:
        model = Attribution

    claim = factory.SubFactory(ClaimFactory)
    source = factory.SubFactory(SourceFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.attribution_add(**kwargs)


class DisputeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dispute

    claim = factory.SubFactory(ClaimFactory)
    disputed_by = factory.SubFactory(SourceFactory)
    kind = "denial"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.dispute_record(**kwargs)
