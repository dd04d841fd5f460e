"""Factories for variety in tests; later areas add theirs here or in their own test folders."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from peiban.core.models import Membership, Organisation, Role
from peiban.places.models import Community

PASSWORD = "a-long-test-password"


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"社区发展中心{n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class CommunityFactory(factory.django.DjangoModelFactory[Community]):
    class Meta:
        model = Community

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"和平里{n}小区")
    slug = factory.Sequence(lambda n: f"community-{n}")


class UserFactory(factory.django.DjangoModelFactory):  # type: ignore[type-arg]
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "静"
    last_name = "李"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def member(user, organisation: Organisation, role: Role, *communities: Community) -> Membership:
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    membership.communities.add(*communities)
    return membership
