"""Configuration: one TOML file validated at start-up into typed settings.

Which file: ``--config PATH``, else ``$KIOSK_CONFIG``, else ``/etc/kiosk/kiosk.toml``
if it exists, else the built-in defaults. Where mutable state lives (database,
images, print queue, reports, backups): ``$STATE_DIRECTORY`` (set by systemd), else
``[paths] state_dir``, else — when a configuration file is in use — the appliance's
``/var/lib/kiosk``. Only without any configuration file (development, the demo) is it
the user's own ``$XDG_DATA_HOME/kiosk`` (``~/.local/share/kiosk``): so the service,
``sudo kiosk-admin`` (which drops ``$STATE_DIRECTORY``) and the nightly backup all
work on one database.

A bad value stops start-up with a message naming the key and the expected form;
an unknown key (usually a typo) is an error too, with the closest known key.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

# Sections defined next to the code that uses them; they subclass config_base.Section.
from hardware.scale.config import BarcodeSettings, ScaleSettings
from hardware.settings import CustomerDisplaySettings, DrawerSettings, GpioSettings, ScannerSettings
from kiosk.appliance.settings import BackupSettings, DevicesSettings
from kiosk.config_base import Section
from kiosk.fiscal.settings import DianSettings
from kiosk.services.fiscal_settings import FiscalSettings
from kiosk.services.inventory_settings import InventorySettings
from kiosk.services.quick_buttons import CalculatorSettings
from kiosk.services.staff_settings import PermissionsSettings
from kiosk.services.till_settings import TillSettings
from kiosk.i18n import N_, MoneyFormat, translate

DEFAULT_CONFIG_PATH = Path("/etc/kiosk/kiosk.toml")
SYSTEM_STATE_DIR = Path("/var/lib/kiosk")

# Where the state directory came from (Settings.state_dir_origin), for messages.
STATE_ORIGINS = {
    "environment": N_("from $STATE_DIRECTORY"),
    "config": N_("[paths] state_dir in {source}"),
    "system": N_("the appliance's folder: {source} sets no [paths] state_dir"),
    "user": N_("the user's own folder: no configuration file is in use"),
}


class ShopSettings(Section):
    name: str = Field("Tienda Demo", min_length=1, max_length=64)
    address: str = Field("", max_length=200)
    tax_id: str = Field("", max_length=32)
    phone: str = Field("", max_length=32)
    footer: str = Field("¡Gracias por su compra!", max_length=200)


DEFAULT_NOTES = {
    "COP": [2000, 5000, 10000, 20000, 50000, 100000],
}


class CurrencySettings(Section):
    code: str = Field("USD", pattern=r"^[A-Z]{3}$", description="a three-letter ISO code such as USD or COP")
    decimals: Literal[0, 2] = 2
    symbol: str = Field("$", min_length=1, max_length=4)
    # Quick buttons on the cash keypad, in major units (notes and coins customers hand over).
    cash_notes: list[int] = Field(default_factory=list)

    @field_validator("cash_notes")
    @classmethod
    def _positive_notes(cls, v: list[int]) -> list[int]:
        if any(n <= 0 for n in v):
            raise ValueError("every note must be a positive whole number")
        return v

    def notes(self) -> list[int]:
        """Quick-tender notes in minor units."""
        major = self.cash_notes or DEFAULT_NOTES.get(self.code, [1, 5, 10, 20, 50, 100])
        return [n * 10**self.decimals for n in major]

    def money_format(self) -> MoneyFormat:
        return MoneyFormat(self.code, self.decimals, self.symbol)


class LocaleSettings(Section):
    language: Literal["es", "en"] = "es"
    # Babel locale for numbers and dates, e.g. "es", "es_CO", "en_US".
    formats: str = Field("es", pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$",
                         description='a locale such as "es", "es_CO" or "en_US"')
    timezone: str = Field("", description='an IANA zone such as "America/Bogota"; empty: the system zone')

    @field_validator("formats")
    @classmethod
    def _known_locale(cls, v: str) -> str:
        from babel import Locale, UnknownLocaleError

        try:
            Locale.parse(v)
        except (UnknownLocaleError, ValueError):
            raise ValueError(f"unknown locale {v!r}") from None
        return v

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        if v:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(v)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {v!r}") from None
        return v


class TaxSettings(Section):
    # Percentages offered in the product editor; prices are tax-inclusive.
    rates: list[Decimal] = Field(default_factory=lambda: [Decimal(0), Decimal(5), Decimal(19)])
    default_rate: Decimal = Decimal(0)

    @field_validator("rates")
    @classmethod
    def _rates_in_range(cls, v: list[Decimal]) -> list[Decimal]:
        for r in v:
            if r < 0 or r > 100 or r != r.quantize(Decimal("0.01")):
                raise ValueError("rates are percentages between 0 and 100 with at most two decimals")
        if not v:
            raise ValueError("at least one rate is needed")
        return v

    @model_validator(mode="after")
    def _default_is_a_rate(self) -> TaxSettings:
        if self.default_rate not in self.rates:
            raise ValueError(f"default_rate {self.default_rate} must be one of rates {[str(r) for r in self.rates]}")
        return self

    def rates_bp(self) -> list[int]:
        return [int(r * 100) for r in self.rates]

    @property
    def default_rate_bp(self) -> int:
        return int(self.default_rate * 100)


class SecuritySettings(Section):
    # [0-9], not \d: \d also takes full-width and other scripts' digits, which no keypad types.
    default_admin_pin: str = Field("000000", pattern=r"^[0-9]{4,8}$", description="4 to 8 digits in quotes")
    pin_min_length: int = Field(6, ge=4, le=8)
    pin_max_length: int = Field(8, ge=4, le=8)
    free_attempts: int = Field(5, ge=1, le=20)  # wrong PINs allowed before waits start
    lockout_base_s: int = Field(30, ge=1, le=3600)  # first wait; doubles with each further failure
    lockout_max_s: int = Field(300, ge=1, le=86400)
    idle_lock_s: int = Field(300, ge=0, le=86400)  # 0: never lock by itself

    @model_validator(mode="after")
    def _lengths(self) -> SecuritySettings:
        if self.pin_min_length > self.pin_max_length:
            raise ValueError("pin_min_length must not exceed pin_max_length")
        if not self.pin_min_length <= len(self.default_admin_pin) <= self.pin_max_length:
            raise ValueError("default_admin_pin length must be within pin_min_length..pin_max_length")
        return self


class SalesSettings(Section):
    # What to do when a sale would take stock below zero: allow it and warn, or refuse.
    out_of_stock: Literal["warn", "refuse"] = "warn"
    # How long Confirmar waits ("Guardando...") for another writer (an import, a count,
    # a backup) to free the database before it says the sale was not saved.
    save_timeout_s: float = Field(15.0, ge=1, le=120)
    # Why a discount is given: the cashier picks one of these (issue 14).
    discount_reasons: list[str] = Field(
        default_factory=lambda: ["cliente frecuente", "promoción", "producto con defecto", "error de precio"],
        min_length=1)
    # Parked carts older than this are flagged at closing (hours).
    parked_flag_hours: float = Field(4.0, gt=0, le=168)


class QrPaymentSettings(Section):
    # The text of the QR code shown for a QR payment, with placeholders filled for the
    # amount and the sale (kiosk/core/payment_qr.py; examples in docs/cashier.md).
    # Empty: no code is generated (the shop shows its printed QR sticker).
    template: str = ""

    @field_validator("template")
    @classmethod
    def _fillable(cls, v: str) -> str:
        from kiosk.core.payment_qr import check_qr_template

        check_qr_template(v)  # raises ValueError saying which placeholder or brace is wrong
        return v


class PaymentsSettings(Section):
    qr: QrPaymentSettings = QrPaymentSettings()


class PathsSettings(Section):
    state_dir: Path | None = Field(None, description='an absolute path such as "/var/lib/kiosk"')

    @field_validator("state_dir")
    @classmethod
    def _absolute(cls, v: Path | None) -> Path | None:
        # A relative path would name another folder for every working directory.
        if v is not None and not v.is_absolute():
            raise ValueError(N_('expected an absolute path such as "/var/lib/kiosk"'))
        return v


class PrinterSettings(Section):
    # "none", "tcp://host:9100", "file:///dev/usb/lp0", "serial:///dev/ttyUSB0?baudrate=19200",
    # "usb://04b8:0202"
    url: str = "none"
    profile: str = "default"
    paper_width_mm: Literal[58, 80] = 80
    # A picture (PNG) printed in black and white at the top of receipts; "" for none.
    logo: str = ""
    columns: Literal[32, 42, 48] | None = None
    codepage: str = Field("CP850", pattern=r"^(CP|cp)\d{3,4}$|^ISO_8859-\d+$",
                          description='a code page such as "CP850" or "CP858"')
    sale_code: Literal["qr", "code128", "none"] = "code128"
    cut: bool = True
    timeout_s: float = Field(5.0, gt=0, le=120)
    # DLE EOT status (paper, cover, drawer): "auto" uses it when the printer answers,
    # "on" requires it, "off" never asks (printers or links without a back channel).
    status_query: Literal["auto", "on", "off"] = "auto"
    status_poll_s: float = Field(30.0, ge=0, le=3600)  # idle status check; 0: only when printing
    retry_min_s: float = Field(2.0, gt=0, le=600)  # first wait after a failed job, doubling ...
    retry_max_s: float = Field(60.0, gt=0, le=3600)  # ... up to this

    @field_validator("logo")
    @classmethod
    def _logo_path(cls, v: str) -> str:
        if v and not v.startswith("/"):
            raise ValueError(N_('expected an absolute path such as "/etc/kiosk/logo.png"'))
        if v:
            from hardware.printer.logo import LogoError, load_logo

            try:
                load_logo(v)  # converted once here, reused by the receipts
            except LogoError as exc:
                raise ValueError(str(exc)) from None
        return v

    @field_validator("url")
    @classmethod
    def _url_form(cls, v: str) -> str:
        from kiosk.printer_url import parse_printer_url

        parse_printer_url(v)  # raises ValueError with the accepted forms
        return v

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, v: str) -> str:
        if v == cls.model_fields["profile"].default:
            return v  # python-escpos always has it; not loading its capabilities keeps kiosk-admin fast
        from hardware.printer.text import profile_names

        names = profile_names()
        if v not in names:
            close = difflib.get_close_matches(v, names, n=3, cutoff=0.5)
            hint = f"did you mean {' or '.join(repr(n) for n in close)}? " if close else ""
            raise ValueError(f"python-escpos has no printer profile {v!r}; {hint}"
                             f"use \"default\" or one of: {', '.join(names)}")
        return v

    @field_validator("codepage")
    @classmethod
    def _known_codepage(cls, v: str) -> str:
        if v.upper() == cls.model_fields["codepage"].default:
            return v  # known to python-escpos (tests/hardware check it): no capabilities loaded
        from hardware.printer.text import known_codepages

        if v.upper() not in known_codepages():
            raise ValueError(f"python-escpos does not know the code page {v!r}; Spanish needs e.g. "
                             "\"CP850\", \"CP858\" or \"CP1252\"")
        return v

    @model_validator(mode="after")
    def _can_print_a_receipt(self) -> PrinterSettings:
        """A sample receipt is rendered with these settings: a profile that cannot print
        one (a customer display cannot print the sale's barcode) is refused here, not
        at the first sale. The default layout (whichever paper width) prints one
        (tests/hardware/test_printer_defaults.py): not rendered again at every start,
        which would load the receipt renderer and python-escpos into every kiosk-admin
        command."""
        if self.uses_default_layout():
            return self
        from hardware.printer.receipt import ReceiptLayout, check_layout

        try:
            check_layout(ReceiptLayout(columns=self.line_columns, codepage=self.codepage.upper(),
                                       profile=self.profile, sale_code=self.sale_code, cut=self.cut))
        except Exception as exc:  # noqa: BLE001 - whatever the first receipt would raise
            raise ValueError(f"profile {self.profile!r} cannot print a receipt with sale_code = "
                             f"{self.sale_code!r} ({exc}); choose the printer's own profile, or "
                             'sale_code = "none"') from None
        return self

    def uses_default_layout(self) -> bool:
        fields = type(self).model_fields
        return (self.profile == fields["profile"].default and self.columns is None
                and self.codepage.upper() == fields["codepage"].default
                and self.sale_code == fields["sale_code"].default and self.cut is fields["cut"].default)

    @property
    def line_columns(self) -> int:
        return self.columns or (32 if self.paper_width_mm == 58 else 48)


class UiSettings(Section):
    fullscreen: bool = True
    width: int = Field(800, ge=320, le=7680)
    height: int = Field(480, ge=240, le=4320)
    theme: Literal["day", "night"] = "day"


class Settings(Section):
    shop: ShopSettings = ShopSettings()
    currency: CurrencySettings = CurrencySettings()
    locale: LocaleSettings = LocaleSettings()
    tax: TaxSettings = TaxSettings()
    security: SecuritySettings = SecuritySettings()
    permissions: PermissionsSettings = PermissionsSettings()
    sales: SalesSettings = SalesSettings()
    payments: PaymentsSettings = PaymentsSettings()
    paths: PathsSettings = PathsSettings()
    printer: PrinterSettings = PrinterSettings()
    ui: UiSettings = UiSettings()
    inventory: InventorySettings = InventorySettings()
    devices: DevicesSettings = DevicesSettings()
    backup: BackupSettings = BackupSettings()
    scanner: ScannerSettings = ScannerSettings()
    drawer: DrawerSettings = DrawerSettings()
    customer_display: CustomerDisplaySettings = CustomerDisplaySettings()
    gpio: GpioSettings = GpioSettings()
    scale: ScaleSettings = ScaleSettings()
    barcodes: BarcodeSettings = BarcodeSettings()
    calculator: CalculatorSettings = CalculatorSettings()
    dian: DianSettings = DianSettings()
    fiscal: FiscalSettings = FiscalSettings()
    till: TillSettings = TillSettings()

    # Not read from the file: where it came from, the resolved state directory and which
    # rule chose it (a key of STATE_ORIGINS).
    source: Path | None = Field(None, exclude=True)
    state_dir: Path = Field(Path("."), exclude=True)
    state_dir_origin: str = Field("user", exclude=True)

    @model_validator(mode="after")
    def _fiscal_currency(self) -> Settings:
        if self.fiscal.on and self.currency.code != "COP":
            raise ValueError('[fiscal] country = "CO" needs [currency] code = "COP"')
        return self

    @property
    def database_path(self) -> Path:
        return self.state_dir / "kiosk.db"

    def state_dir_reason(self, language: str | None = None) -> str:
        return state_dir_reason(self.state_dir_origin, self.source, language)


def state_dir_reason(origin: str, source: object, language: str | None = None) -> str:
    """Why this state directory, in words: "[paths] state_dir in /etc/kiosk/kiosk.toml"."""
    return translate(STATE_ORIGINS[origin], language).format(source=source)


# --- errors -----------------------------------------------------------------------

class ConfigError(Exception):
    """Invalid configuration. ``problems`` holds ``(key, message)`` pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        super().__init__(self.message("en"))

    def message(self, language: str | None = None) -> str:
        head = translate(N_("Invalid configuration in {source}:"), language).format(source=self.source)
        return "\n".join([head] + [f"  {key}: {msg}" for key, msg in self.problems])

    def __str__(self) -> str:
        return self.message()


_EXPECT = {
    "missing": N_("is required"),
    "extra_forbidden": N_("is not a known setting"),
    "int_type": N_("expected a whole number"),
    "int_parsing": N_("expected a whole number"),
    "int_from_float": N_("expected a whole number"),
    "bool_type": N_("expected true or false"),
    "bool_parsing": N_("expected true or false"),
    "string_type": N_("expected text in quotes"),
    "float_type": N_("expected a number"),
    "float_parsing": N_("expected a number"),
    "decimal_type": N_("expected a number"),
    "decimal_parsing": N_("expected a number"),
    "list_type": N_("expected a list in square brackets"),
    "model_type": N_("expected a section"),
    "dict_type": N_("expected a section"),
    "literal_error": N_("expected one of {expected}"),
    "greater_than_equal": N_("expected a number greater than or equal to {ge}"),
    "greater_than": N_("expected a number greater than {gt}"),
    "less_than_equal": N_("expected a number less than or equal to {le}"),
    "less_than": N_("expected a number less than {lt}"),
    "string_too_short": N_("expected at least {min_length} characters"),
    "string_too_long": N_("expected at most {max_length} characters"),
    "string_pattern_mismatch": N_("expected {description}"),
    "path_type": N_("expected a path in quotes"),
}


def _describe(model: type[BaseModel], loc: tuple) -> tuple[str, type[BaseModel] | None, str | None]:
    """Dotted key for ``loc``, the model that owns the last part and the field's description."""
    owner: type[BaseModel] | None = model
    description = None
    for part in loc:
        if owner is None or not isinstance(part, str):
            owner = None
            continue
        field = owner.model_fields.get(part)
        if field is None:
            return ".".join(str(p) for p in loc), owner, None
        description = field.description
        ann = field.annotation
        owner = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return ".".join(str(p) for p in loc), owner, description


def _format_errors(exc: ValidationError, language: str | None) -> list[tuple[str, str]]:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        etype = err["type"]
        ctx = dict(err.get("ctx") or {})
        parent_loc = loc[:-1]
        key, _, description = _describe(Settings, loc)
        if etype == "value_error":  # a validator's own text: translated when it was written with N_()
            text = translate(str(ctx.get("error", err["msg"])), language)
        elif etype == "extra_forbidden":
            _, parent, _ = _describe(Settings, parent_loc) if parent_loc else ("", Settings, None)
            text = translate(_EXPECT[etype], language)
            if parent is not None:
                close = difflib.get_close_matches(str(loc[-1]), list(parent.model_fields), n=1)
                if close:
                    text += " — " + translate(N_("did you mean {key}?"), language).format(key=close[0])
        elif etype in _EXPECT:
            ctx.setdefault("description", description or ctx.get("pattern", ""))
            if "expected" in ctx:  # pydantic writes "'a', 'b' or 'c'": list the choices language-neutrally
                ctx["expected"] = ", ".join(re.split(r", | or ", str(ctx["expected"])))
            try:
                text = translate(_EXPECT[etype], language).format(**ctx)
            except (KeyError, IndexError):
                text = err["msg"]
        else:
            text = err["msg"]
        if "input" in err and etype not in ("missing", "model_type", "dict_type"):
            shown = err["input"]
            if not isinstance(shown, (dict, list)):
                text += " " + translate(N_("(got {value})"), language).format(value=repr(shown))
        if parent_loc:
            section_key = f"[{'.'.join(str(p) for p in parent_loc)}] {loc[-1]}"
        elif loc and loc[0] in Settings.model_fields and etype != "extra_forbidden":
            section_key = f"[{loc[0]}]"
        else:
            section_key = key
        problems.append((section_key, text))
    return problems


# --- loading ----------------------------------------------------------------------

def config_path(cli_path: str | os.PathLike | None = None, env: Mapping[str, str] | None = None) -> Path | None:
    env = os.environ if env is None else env
    if cli_path:
        return Path(cli_path)
    if env.get("KIOSK_CONFIG"):
        return Path(env["KIOSK_CONFIG"])
    if DEFAULT_CONFIG_PATH.exists():
        return DEFAULT_CONFIG_PATH
    return None


def default_state_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".local" / "share")
    return Path(base) / "kiosk"


def resolve_state_dir(settings_dir: Path | None, env: Mapping[str, str] | None = None, *,
                      config_file: bool) -> tuple[Path, str]:
    """The state directory (absolute) and the key of STATE_ORIGINS that chose it."""
    env = os.environ if env is None else env
    if env.get("STATE_DIRECTORY"):
        # systemd may pass several directories separated by ":"; ours is the first.
        return Path(env["STATE_DIRECTORY"].split(":")[0]).absolute(), "environment"
    if settings_dir is not None:
        return settings_dir, "config"
    if config_file:
        return SYSTEM_STATE_DIR, "system"
    return default_state_dir(env).absolute(), "user"


def parse_settings(data: Mapping[str, Any], source: str = "<defaults>", language: str | None = None) -> Settings:
    try:
        return Settings.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(source, _format_errors(exc, language)) from None


def load_settings(cli_path: str | os.PathLike | None = None, env: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None, language: str | None = None) -> Settings:
    """Find, read and validate the configuration; raise ConfigError on any problem."""
    env = os.environ if env is None else env
    path = config_path(cli_path, env)
    data: dict[str, Any] = {}
    source = "<defaults>"
    if path is not None:
        source = str(path)
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(source, [("-", translate(N_("file not found"), language))]) from None
        except PermissionError:
            raise ConfigError(source, [("-", translate(N_("permission denied"), language))]) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(source, [("-", translate(N_("not valid TOML: {error}"), language).format(error=exc))]) from None
    for section, values in (overrides or {}).items():
        merged = dict(data.get(section, {}))
        merged.update(values)
        data[section] = merged
    settings = parse_settings(data, source, language)
    state_dir, origin = resolve_state_dir(settings.paths.state_dir, env, config_file=path is not None)
    return settings.model_copy(update={"source": path, "state_dir": state_dir, "state_dir_origin": origin})
