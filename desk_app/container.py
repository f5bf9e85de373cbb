"""All services of one open database, built once and passed to the screens.

Not a global: ``main.py`` builds one ``Services`` per database and hands it to
the UI; tests build their own. Each service is created on first use.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from desk_app.db.engine import Clock, Database
from desk_app.settings import SettingsStore

if TYPE_CHECKING:
    from desk_app.aftercare.complaints import ComplaintService
    from desk_app.aftercare.incidents import IncidentService
    from desk_app.aftercare.review import ReviewService
    from desk_app.aftercare.service import AftercareService
    from desk_app.aftercare.spotchecks import SpotCheckService
    from desk_app.calendar.ics import IcsService
    from desk_app.calendar.rebook import RebookService
    from desk_app.calendar.rota import RotaService
    from desk_app.calendar.service import CalendarService
    from desk_app.calendar.waitlist import WaitlistService
    from desk_app.catalog.service import CatalogService
    from desk_app.checkout.cash import CashDrawerService
    from desk_app.checkout.payments import PaymentService
    from desk_app.checkout.service import CheckoutService
    from desk_app.checkout.vouchers import VoucherService
    from desk_app.clients.importer import ImportService
    from desk_app.clients.lists import ClientListService
    from desk_app.clients.points import PointsService
    from desk_app.clients.privacy import PrivacyService
    from desk_app.clients.search import ClientSearchService
    from desk_app.clients.service import ClientService
    from desk_app.messages.service import MessageService
    from desk_app.payroll.service import PayrollService
    from desk_app.reports.service import ReportService
    from desk_app.shop.branches import BranchService
    from desk_app.shop.details import ShopDetailsService
    from desk_app.shop.service import ShopService
    from desk_app.stock.service import StockService
    from desk_app.transfer.export_shop import ShopExportService
    from desk_app.transfer.merge import MergeService
    from desk_app.transfer.opening import OpeningImportService
    from desk_app.trust.audit import AuditService
    from desk_app.trust.auth import AuthService
    from desk_app.trust.backup import BackupService
    from desk_app.trust.owner_key import OwnerKeyService
    from desk_app.trust.timeclock import TimeClockService
    from desk_app.visits.consultation import ConsultationService
    from desk_app.visits.safety import SafetyService
    from desk_app.visits.service import VisitService
    from desk_app.visits.service_log import ServiceLogService


class Services:
    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        # the services and every row they write run on one clock: the given one, else the database's
        self.db = db if clock is None else db.with_clock(clock)
        self.clock: Clock = self.db.clock
        self.settings = SettingsStore(db)
        self.warmed = False  # every service built (warm_up)

    @cached_property
    def shop(self) -> ShopService:
        from desk_app.shop.service import ShopService

        return ShopService(self.db)

    @cached_property
    def shop_details(self) -> ShopDetailsService:
        from desk_app.shop.details import ShopDetailsService

        return ShopDetailsService(self.db, self.settings, self.clock)

    @cached_property
    def branches(self) -> BranchService:
        from desk_app.shop.branches import BranchService

        return BranchService(self.db, self.clock)

    @cached_property
    def messages(self) -> MessageService:
        from desk_app.messages.service import MessageService

        return MessageService(self.db, self.settings, self.clock)

    @cached_property
    def auth(self) -> AuthService:
        from desk_app.trust.auth import AuthService

        return AuthService(self.db, self.settings, self.clock)

    @cached_property
    def catalog(self) -> CatalogService:
        from desk_app.catalog.service import CatalogService

        return CatalogService(self.db, self.settings, self.clock)

    @cached_property
    def clients(self) -> ClientService:
        from desk_app.clients.service import ClientService

        return ClientService(self.db, self.settings, self.clock)

    @cached_property
    def client_search(self) -> ClientSearchService:
        from desk_app.clients.search import ClientSearchService

        return ClientSearchService(self.db, self.settings, self.clock)

    @cached_property
    def client_lists(self) -> ClientListService:
        from desk_app.clients.lists import ClientListService

        return ClientListService(self.db, self.settings, self.clock)

    @cached_property
    def visits(self) -> VisitService:
        from desk_app.visits.service import VisitService

        return VisitService(self.db, self.settings, self.clock)

    @cached_property
    def consultation(self) -> ConsultationService:
        from desk_app.visits.consultation import ConsultationService

        return ConsultationService(self.db, self.settings, self.clock)

    @cached_property
    def service_log(self) -> ServiceLogService:
        from desk_app.visits.service_log import ServiceLogService

        return ServiceLogService(self.db, self.settings, self.clock)

    @cached_property
    def safety(self) -> SafetyService:
        from desk_app.visits.safety import SafetyService

        return SafetyService(self.db, self.clock)

    @cached_property
    def checkout(self) -> CheckoutService:
        from desk_app.checkout.service import CheckoutService

        return CheckoutService(self.db, self.settings, self.clock)

    @cached_property
    def payments(self) -> PaymentService:
        from desk_app.checkout.payments import PaymentService

        return PaymentService(self.db, self.settings, self.clock)

    @cached_property
    def vouchers(self) -> VoucherService:
        from desk_app.checkout.vouchers import VoucherService

        return VoucherService(self.db, self.clock)

    @cached_property
    def points(self) -> PointsService:
        from desk_app.clients.points import PointsService

        return PointsService(self.db, self.settings, self.clock)

    @cached_property
    def cash(self) -> CashDrawerService:
        from desk_app.checkout.cash import CashDrawerService

        return CashDrawerService(self.db, self.settings, self.clock)

    @cached_property
    def calendar(self) -> CalendarService:
        from desk_app.calendar.service import CalendarService

        return CalendarService(self.db, self.settings, self.clock)

    @cached_property
    def rota(self) -> RotaService:
        from desk_app.calendar.rota import RotaService

        return RotaService(self.db, self.clock)

    @cached_property
    def waitlist(self) -> WaitlistService:
        from desk_app.calendar.waitlist import WaitlistService

        return WaitlistService(self.db, self.settings, self.clock)

    @cached_property
    def rebooking(self) -> RebookService:
        from desk_app.calendar.rebook import RebookService

        return RebookService(self.db, self.settings, self.clock)

    @cached_property
    def calendar_ics(self) -> IcsService:
        from desk_app.calendar.ics import IcsService

        return IcsService(self.db, self.settings, self.clock)

    @cached_property
    def aftercare(self) -> AftercareService:
        from desk_app.aftercare.service import AftercareService

        return AftercareService(self.db, self.settings, self.clock)

    @cached_property
    def complaints(self) -> ComplaintService:
        from desk_app.aftercare.complaints import ComplaintService

        return ComplaintService(self.db, self.settings, self.clock)

    @cached_property
    def incidents(self) -> IncidentService:
        from desk_app.aftercare.incidents import IncidentService

        return IncidentService(self.db, self.settings, self.clock)

    @cached_property
    def spotchecks(self) -> SpotCheckService:
        from desk_app.aftercare.spotchecks import SpotCheckService

        return SpotCheckService(self.db, self.settings, self.clock)

    @cached_property
    def review(self) -> ReviewService:
        from desk_app.aftercare.review import ReviewService

        return ReviewService(self.db, self.settings, self.clock)

    @cached_property
    def reports(self) -> ReportService:
        from desk_app.reports.service import ReportService

        return ReportService(self.db, self.settings, self.clock)

    @cached_property
    def stock(self) -> StockService:
        from desk_app.stock.service import StockService

        return StockService(self.db, self.clock)

    @cached_property
    def payroll(self) -> PayrollService:
        from desk_app.payroll.service import PayrollService

        return PayrollService(self.db, self.settings, self.clock)

    @cached_property
    def timeclock(self) -> TimeClockService:
        from desk_app.trust.timeclock import TimeClockService

        return TimeClockService(self.db, self.settings, self.clock)

    @cached_property
    def audit(self) -> AuditService:
        from desk_app.trust.audit import AuditService

        return AuditService(self.db, self.settings, self.clock)

    @cached_property
    def privacy(self) -> PrivacyService:
        from desk_app.clients.privacy import PrivacyService

        return PrivacyService(self.db, self.settings, self.clock)

    @cached_property
    def owner_key(self) -> OwnerKeyService:
        from desk_app.trust.owner_key import OwnerKeyService

        return OwnerKeyService(self.db, self.settings, self.clock)

    @cached_property
    def backup(self) -> BackupService:
        from desk_app.trust.backup import BackupService

        return BackupService(self.db, self.settings, self.clock, after_restore=self.privacy.after_restore)

    @cached_property
    def opening(self) -> OpeningImportService:
        """Balances, packages and appointments from another system (after its clients)."""
        from desk_app.transfer.opening import OpeningImportService

        return OpeningImportService(self.db, self.settings, self.clock)

    @cached_property
    def shop_export(self) -> ShopExportService:
        """Everything the shop owns, in one zip of CSV files (the owner only; docs/export.md)."""
        from desk_app.transfer.export_shop import ShopExportService

        return ShopExportService(self.db, self.clock)

    @cached_property
    def merges(self) -> MergeService:
        """Possible duplicates, merging two profiles of one person, and undoing it (docs/clients.md)."""
        from desk_app.transfer.merge import MergeService

        return MergeService(self.db, self.clock)

    @cached_property
    def importer(self) -> ImportService:
        from desk_app.clients.importer import ImportService

        return ImportService(self.db, self.settings, self.clock)

    def warm_up(self) -> int:
        """Build every service now (importing its modules), off the GUI thread: the window calls it
        on a worker once signed in, so the first tap that needs, say, after-care does not spend
        a hundred milliseconds importing it on the GUI thread. Returns how many were built."""
        names = [n for n, v in vars(type(self)).items() if isinstance(v, cached_property)]
        for name in names:
            getattr(self, name)
        self.warmed = True
        return len(names)
