"""factory-boy factories for what tests set up most. Each makes its object through the domain
service that makes it in the product, so that it obeys the same rules; traits give the states
view and selector tests need:

- ``CarnetFactory(expired=True)``: its units expired by ``vouchers.services.units_expire``;
- ``UnitFactory(blocked=True)``: a unit blocked after five wrong codes typed at a structure;
- ``AgreementFactory(active=True)``: a published call, an application, its acceptance;
- ``SessionFactory(full=True)``: a collective workshop with every seat taken.

Programs, organisations and people come from the fixtures (``tests/conftest.py``,
``tests/fixtures_programs.py``, ``tests/fixtures_vouchers.py``): pass them in.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import factory

from accompaniments import services as accompaniment_services
from accompaniments.enums import SessionKind
from accompaniments.models import Session
from accounts import services as account_services
from accounts.enums import Role
from accounts.models import User
from places.models import Place
from programs import services as program_services
from programs.enums import FunderCategory
from programs.models import Agreement, Application, Call, FundingCommitment
from programs.selectors import program_today
from vouchers import services as voucher_services
from vouchers.enums import Delivery
from vouchers.ledger import MAX_WRONG_CODES
from vouchers.models import Carnet, Unit

TEST_PASSWORD = "mot-de-passe-de-test-2026"
VALID_IBAN = "FR7630004000010001000000102"
VALID_BIC = "BNPAFRPP"
WRONG_CODE = "ZZZZZZZZ"


def first_member(organisation) -> User | None:
    """The organisation's first member: the one the fixtures made for it."""
    return (
        User.objects.filter(memberships__organisation=organisation, memberships__is_active=True)
        .order_by("pk")
        .first()
    )


class MemberFactory(factory.Factory):
    """A user with a membership of `organisation` (accounts.services: user_create, then
    membership_create), who logs in with TEST_PASSWORD."""

    class Meta:
        model = User

    organisation = None
    role = Role.MEMBER
    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    password = TEST_PASSWORD
    first_name = "Prénom"
    last_name = factory.Sequence(lambda n: f"Nom{n}")

    @classmethod
    def _create(cls, model_class, *, organisation, role, **fields):
        user = account_services.user_create(**fields)
        account_services.membership_create(
            actor=None, user=user, organisation=organisation, role=role
        )
        return user


class CallFactory(factory.Factory):
    """A call for applications of `program`, published by a member of its lead funder, open
    through 2030 (programs.services: call_create, then call_publish)."""

    class Meta:
        model = Call

    program = None
    actor = factory.LazyAttribute(lambda o: first_member(o.program.lead_funder))
    title = factory.LazyAttribute(lambda o: f"Appel {o.program.slug}")
    text = "Appel"
    opens_on = dt.date(2026, 1, 1)
    closes_on = dt.date(2030, 12, 31)
    criteria = factory.LazyFunction(lambda: [{"label": "Ancrage", "max_points": 10}])

    @classmethod
    def _create(cls, model_class, *, actor, program, **fields):
        call = program_services.call_create(actor=actor, program=program, **fields)
        return program_services.call_publish(actor=actor, call=call)


class CommitmentFactory(factory.Factory):
    """Money `funder` commits to `program` (programs.services.commitment_add), as a region by
    default, added by a member of the program's lead funder."""

    class Meta:
        model = FundingCommitment

    program = None
    funder = factory.SelfAttribute("program.lead_funder")
    actor = factory.LazyAttribute(lambda o: first_member(o.program.lead_funder))
    category = FunderCategory.REGION
    amount_cents = 10_000_000

    @classmethod
    def _create(cls, model_class, **fields):
        return program_services.commitment_add(**fields)


class ApplicationFactory(factory.Factory):
    """The application of `structure` to `call`, saved as a draft by a member of the structure
    (programs.services.application_save): its own places, 30 hours a week, a valid IBAN.

    Traits: submitted — sent to the funder (application_submit)."""

    class Meta:
        model = Application

    call = None
    structure = None
    actor = factory.LazyAttribute(
        lambda o: first_member(o.structure) or MemberFactory(organisation=o.structure)
    )
    rna = factory.SelfAttribute("structure.rna")
    places = factory.LazyAttribute(lambda o: list(Place.objects.filter(structure=o.structure)))
    services = factory.LazyFunction(lambda: ["Aide aux démarches administratives"])
    weekly_opening_hours = 30
    iban = VALID_IBAN
    bic = VALID_BIC
    submit = False

    class Params:
        submitted = factory.Trait(submit=True)

    @classmethod
    def _create(cls, model_class, *, actor, call, structure, submit, **data):
        application = program_services.application_save(
            actor=actor, call=call, structure=structure, **data
        )
        if submit:
            application = program_services.application_submit(actor=actor, application=application)
        return application


class AgreementFactory(factory.django.DjangoModelFactory):
    """The agreement between `program` and `structure`.

    Without a trait, only the row (Agreement.objects.create), over the program's period, for a
    test that needs an agreement to exist. Traits: active — an agreement in force made as the
    product makes it: a published call, the structure's application with its own places,
    accepted by `accepted_by` (a member of the lead funder by default); its places then accept
    the program."""

    class Meta:
        model = Agreement

    class Params:
        active = factory.Trait(review=True)

    program = None
    structure = None
    review = False
    accepted_by = None
    starts_on = factory.SelfAttribute("program.starts_on")
    ends_on = factory.SelfAttribute("program.ends_on")
    iban = VALID_IBAN
    bic = VALID_BIC

    @classmethod
    def _create(cls, model_class, *, review, accepted_by, **fields):
        if not review:
            return super()._create(model_class, **fields)
        program = fields["program"]
        funder_user = accepted_by or first_member(program.lead_funder)
        application = ApplicationFactory(
            call=CallFactory(program=program, actor=funder_user),
            structure=fields["structure"],
            submitted=True,
        )
        return program_services.application_accept(actor=funder_user, application=application)


class CarnetFactory(factory.Factory):
    """A carnet issued to `beneficiary` for `program` (vouchers.services.carnet_issue), on
    paper, of the program's smallest size, by a member of the person's prescriber. Builds the
    IssuedCarnet: the carnet, with the codes, access code and link shown once.

    Traits: expired — its acceptance date is put in the past, then units_expire runs: its units
    are expired and their value is back in the program's budget."""

    class Meta:
        model = voucher_services.IssuedCarnet

    program = None
    beneficiary = None
    prescriber = factory.SelfAttribute("beneficiary.prescriber")
    actor = factory.LazyAttribute(lambda o: first_member(o.prescriber))
    units = factory.LazyAttribute(lambda o: min(o.program.carnet_sizes))
    delivery = Delivery.PAPER
    track = None
    expire = False

    class Params:
        expired = factory.Trait(expire=True)

    @classmethod
    def _create(cls, model_class, *, expire, **fields):
        issued = voucher_services.carnet_issue(**fields)
        if expire:
            today = program_today(fields["program"])
            Carnet.objects.filter(pk=issued.carnet.pk).update(
                valid_until=today - dt.timedelta(days=2),
                accepted_until=today - dt.timedelta(days=1),
            )
            voucher_services.units_expire()
            issued.carnet.refresh_from_db()
        return issued


class UnitFactory(factory.Factory):
    """A unit of an issued carnet, the first by default (its code is in `issued.codes`).

    Traits: blocked — five wrong codes typed for it at `structure`
    (accompaniments.services.unit_consume): it is blocked for 15 minutes from now."""

    class Meta:
        model = Unit

    issued = factory.SubFactory(CarnetFactory)
    position = 1
    structure = None
    wrong_codes = 0

    class Params:
        blocked = factory.Trait(wrong_codes=MAX_WRONG_CODES)

    @classmethod
    def _create(cls, model_class, *, issued, position, structure, wrong_codes):
        serial, _code = issued.codes[position - 1]
        for _attempt in range(wrong_codes):
            accompaniment_services.unit_consume(
                actor=None, structure=structure, serial=serial, code=WRONG_CODE
            )
        return model_class.objects.get(serial=serial)


def _in_a_week_at_nine(program) -> dt.datetime:
    day = program_today(program) + dt.timedelta(days=7)
    return dt.datetime.combine(day, dt.time(9), tzinfo=ZoneInfo(program.time_zone))


class SessionFactory(factory.Factory):
    """A session `structure` gives for `program` (accompaniments.services.session_create): an
    hour with one person, at the structure's first place, a week from today at 9:00 in the
    program's time zone, given by the structure's first member.

    Traits: workshop — a collective session for as many people as the program allows;
    full — such a workshop with every seat taken (people without a carnet,
    session_add_anonymous)."""

    class Meta:
        model = Session

    structure = None
    program = None
    mediator = factory.LazyAttribute(lambda o: first_member(o.structure))
    actor = factory.SelfAttribute("mediator")
    place = factory.LazyAttribute(lambda o: Place.objects.filter(structure=o.structure).first())
    kind = SessionKind.INDIVIDUAL
    starts_at = factory.LazyAttribute(lambda o: _in_a_week_at_nine(o.program))
    duration_minutes = 60
    capacity = 1
    title = "Atelier smartphone"
    fill = False

    class Params:
        workshop = factory.Trait(
            kind=SessionKind.COLLECTIVE, capacity=factory.SelfAttribute("program.max_group_size")
        )
        full = factory.Trait(workshop=True, fill=True)

    @classmethod
    def _create(cls, model_class, *, fill, **fields):
        session = accompaniment_services.session_create(**fields)
        if fill:
            accompaniment_services.session_add_anonymous(
                actor=None, session=session, count=session.capacity - session.seats_taken
            )
            session.refresh_from_db()
        return session
