"""The scale port: one adapter for every protocol. It owns a reader thread that polls
the scale (at most every 200 ms), turns frames into readings, applies tares, and
reconnects by itself when a USB-serial scale is unplugged and plugged back.

Callbacks given to ``subscribe`` and ``subscribe_scans`` run in the reader thread: the
UI hands them to its main thread (a queue drained by a Clock trigger). They are only
called when the reading changes; ``latest()`` always has the newest one.

Tare: a software tare works with every protocol (tare = gross at the moment, or a
preset for a known container); with ``hardware_tare`` the scale's own tare command is
used where the protocol has one (8217 ``T``/``C``, MT-SICS ``T``/``TAC``).
"""

from __future__ import annotations

import errno
import logging
import os
import queue
import termios
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace

from hardware.events import ScanEvent, ScanHandler
from hardware.reader import DeviceReader
from hardware.scale import protocols
from hardware.scale.errors import (
    CommandNotSupported,
    InvalidTare,
    NothingWeighed,
    ReturnToZeroRequired,
    ScaleCommandFailed,
    ScaleDisconnected,
    ScaleFault,
    ScaleOverloaded,
    ScaleUnderZero,
    TareNotPossible,
    WeightNotStable,
)
from hardware.scale.protocol import DecoderOptions, ScaleProtocol, SerialSettings
from hardware.scale.reading import (
    EchoMode,
    Event,
    NoChange,
    Noise,
    Reply,
    ScaleReading,
    ScaleState,
    ScanCode,
    WeightUnit,
    parse_unit,
)
from hardware.scale.toledo8217 import ECHO_OFF
from kiosk.i18n import N_, _, translate

log = logging.getLogger(__name__)

ReadingHandler = Callable[[ScaleReading], None]
MAX_POLL_S = 0.2
# A frame is a few bytes sent in one go: once the bytes pause this long, a frame
# still open lost its end (a cut frame) and must not be glued to the next one.
FRAME_GAP_S = 0.1
# A new weight needs a second, agreeing frame: ask for it this soon instead of
# waiting for the next regular poll.
CONFIRM_AFTER_S = 0.03
REOPEN_AFTER_SILENCES = 3
MAX_TARE_G = 100_000


@dataclass(frozen=True)
class Weighing:
    """A weight accepted for sale: stable, net of tare, above zero."""

    net_g: int
    tare_g: int
    gross_g: int
    unit: WeightUnit | None
    reading: ScaleReading


@dataclass(frozen=True)
class ScaleStatus:
    """What the hardware registry and ``kiosk-admin`` show about the scale."""

    device: str
    protocol: str
    port: str
    connected: bool
    last_event: str
    last_error: str
    reading: ScaleReading


@dataclass
class _Command:
    name: str
    data: bytes
    future: Future
    gross_g: int = 0


class ScaleAdapter(DeviceReader):
    def __init__(self, protocol: ScaleProtocol | str, port: str, *,
                 serial: SerialSettings | None = None, options: DecoderOptions = DecoderOptions(),
                 poll_s: float = 0.15, silence_s: float = 1.5, reconnect_s: float = 1.0,
                 command_timeout_s: float = 1.0, hold_s: float = 3.0, request_gap_s: float = 1.0,
                 require_zero_between: bool = False, hardware_tare: bool = False,
                 capacity_g: int | None = None, on_scan: ScanHandler | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.protocol = protocols.get(protocol) if isinstance(protocol, str) else protocol
        super().__init__(thread_name=f"scale-{self.protocol.name}", reconnect_s=reconnect_s)
        if not 0 < poll_s <= MAX_POLL_S:
            raise ValueError(f"poll_s must be above 0 and at most {MAX_POLL_S} s (got {poll_s})")
        self.port = port
        self.serial = serial or self.protocol.serial
        self.options = options
        self.poll_s = poll_s
        self.silence_s = silence_s
        self.command_timeout_s = command_timeout_s
        self.hold_s = hold_s  # silent-when-unchanged scales: how long a weight is held
        # On-demand scales (Adam): the pause between two requests while a weight is wanted.
        self.request_gap_s = request_gap_s
        self.require_zero_between = require_zero_between
        self.hardware_tare = hardware_tare
        self.capacity_g = capacity_g
        self.clock = clock

        self._lock = threading.RLock()
        self._serial = None  # serial.Serial while connected
        self._decoder = self.protocol.decoder(options)
        self._commands: queue.Queue[_Command] = queue.Queue()
        self._subscribers: list[ReadingHandler] = []
        self._pending: list[ScaleReading] = []  # readings subscribers have not heard of yet
        self._scan_subscribers: list[ScanHandler] = [on_scan] if on_scan else []

        self._latest = ScaleReading.disconnected(N_("not connected yet"))
        self._last_raw: ScaleReading | None = None  # last frame as the scale sent it
        self._raw_state = ScaleState.DISCONNECTED
        self._hw_tare_g = 0
        self._sw_tare_g = 0
        self._unit: WeightUnit | None = parse_unit(options.unit) if options.unit != "auto" else None
        self._armed = True  # require_zero_between: a return to zero was seen
        self._last_frame_at = 0.0
        self._noise = 0  # bytes received since the last valid frame
        self._confirm_soon = False
        self._last_byte_at = 0.0
        self._echo_handled_at = -1e9
        self._last_event = _("created")
        self._event_lost = False
        self._last_error = ""
        self._demand = 0  # how many want a weight now (on-demand protocols ask only then)
        self._last_request_at: float | None = None
        self.cycles = 0  # reader cycles run (tests wait on it instead of sleeping)
        self.requests = 0  # weight requests written to the scale

    # --- life cycle -------------------------------------------------------------------
    def start(self) -> ScaleAdapter:
        super().start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        super().stop(timeout)
        self._close()

    def __enter__(self) -> ScaleAdapter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what the UI reads --------------------------------------------------------------
    def latest(self) -> ScaleReading:
        with self._lock:
            return self._latest

    @property
    def on_demand(self) -> bool:
        return self.protocol.on_demand

    def want_weight(self) -> Callable[[], None]:
        """Something needs the weight now (the calculator's scale panel): an on-demand
        scale (Adam) is asked at once and then every ``request_gap_s`` until the
        returned function is called; with no one wanting it the scale is not asked at
        all. Protocols that poll or stream all the time are not affected."""
        released = threading.Event()
        with self._lock:
            if self._demand == 0:
                self._last_request_at = None  # the first request goes out at once
            self._demand += 1

        def release() -> None:
            if released.is_set():
                return
            released.set()
            with self._lock:
                self._demand = max(0, self._demand - 1)

        return release

    @property
    def wanted(self) -> bool:
        with self._lock:
            return self._demand > 0

    def _request_due(self) -> bool:
        """Whether this cycle writes the protocol's request."""
        if self.protocol.poll is None:
            return False
        if not self.protocol.on_demand:
            return True
        with self._lock:
            if self._demand == 0:
                return False
            now = self.clock()
            if self._last_request_at is not None and now - self._last_request_at < self.request_gap_s:
                return False
            self._last_request_at = now
            return True

    def subscribe(self, callback: ReadingHandler) -> Callable[[], None]:
        """Call ``callback(reading)`` (in the reader thread) whenever the reading changes.
        Returns a function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)
        return lambda: self._remove(self._subscribers, callback)

    def subscribe_scans(self, callback: ScanHandler) -> Callable[[], None]:
        """Barcodes read by a scanner-scale on this port (Magellan)."""
        with self._lock:
            self._scan_subscribers.append(callback)
        return lambda: self._remove(self._scan_subscribers, callback)

    def _remove(self, handlers: list, callback: Callable) -> None:
        with self._lock:
            if callback in handlers:
                handlers.remove(callback)

    def state(self) -> ScaleStatus:
        with self._lock:
            r = self._latest
            return ScaleStatus("scale", self.protocol.name, self.port, r.connected, self._last_event,
                               self._last_error, r)

    @property
    def tare_g(self) -> int:
        with self._lock:
            return self._latest.tare_g

    # --- selling ------------------------------------------------------------------------
    def check_weight(self) -> Weighing:
        """The weight that would be sold now, or the DomainError saying why not. Does
        not count as a weighing (see ``weigh_for_sale``)."""
        with self._lock:
            r = self._latest
            if r.state is ScaleState.DISCONNECTED:
                raise ScaleDisconnected()
            if r.state is ScaleState.ERROR:
                raise ScaleFault(error=r.error_message())
            if r.state is ScaleState.OVER_CAPACITY:
                raise ScaleOverloaded()
            if r.state is ScaleState.UNDER_ZERO:
                raise ScaleUnderZero()
            if r.state is not ScaleState.STABLE or not r.weight_known:
                raise WeightNotStable()
            if r.net_g <= 0:
                raise NothingWeighed()
            if not self.protocol.silent_when_unchanged and self.clock() - self._last_frame_at > self.silence_s:
                raise ScaleDisconnected()  # belt and braces: the reader thread is stuck
            if self.require_zero_between and not self._armed:
                raise ReturnToZeroRequired()
            return Weighing(r.net_g, r.tare_g, r.gross_g, r.unit, r)

    def weigh_for_sale(self) -> Weighing:
        """A stable net weight above zero for a sale line. The same weight can be taken
        again (a second bottle of the same size); with ``require_zero_between`` the scale
        must show zero or less between two weighings. If the line then cannot be added,
        call ``rearm()`` so the same goods can be weighed again."""
        with self._lock:
            weighing = self.check_weight()
            if self.require_zero_between:
                self._armed = False
            self._event(_("weighed for sale"))
            return weighing

    def rearm(self) -> None:
        with self._lock:
            self._armed = True

    # --- tare and zero ------------------------------------------------------------------
    def request_tare(self) -> Future:
        """Tare = the gross weight now (stable). Returns a Future resolved when the tare
        is in effect (at once for a software tare, when the scale answers otherwise)."""
        with self._lock:
            r = self._latest
            self._require_connected(r)
            if r.state is ScaleState.UNDER_ZERO:
                raise TareNotPossible(why=translate(N_("the scale is below zero")))
            if r.state is ScaleState.OVER_CAPACITY:
                raise TareNotPossible(why=translate(N_("the scale is overloaded")))
            if not r.stable or not r.weight_known:
                raise TareNotPossible(why=translate(N_("the weight is not stable")))
            if self.hardware_tare and self.protocol.has("tare"):
                return self._enqueue("tare", gross_g=r.gross_g)
            hw = self._hw_tare_g if r.net_mode or not self.protocol.reports_net_mode else 0
            self._sw_tare_g = max(0, r.gross_g - hw)
            self._event(_("software tare"))
            self._republish()
            return _done(self._latest)

    def tare_preset(self, grams: int) -> ScaleReading:
        """Use a known container weight as the tare (e.g. "bottle 1 L = 45 g")."""
        if not isinstance(grams, int) or not 0 < grams <= MAX_TARE_G:
            raise InvalidTare(maximum=MAX_TARE_G)
        with self._lock:
            self._sw_tare_g = grams
            self._event(_("preset tare"))
            self._republish()
            return self._latest

    def clear_tare(self) -> Future:
        with self._lock:
            self._sw_tare_g = 0
            self._event(_("tare cleared"))
            if self._hw_tare_g and self.protocol.has("clear_tare"):
                self._require_connected(self._latest)
                return self._enqueue("clear_tare")
            self._republish()
            return _done(self._latest)

    def zero(self) -> Future:
        """Zero the scale (it must be empty and stable); only protocols with a zero
        command can do this, the others have a key on the scale."""
        if not self.protocol.has("zero"):
            raise CommandNotSupported(protocol=self.protocol.title)
        with self._lock:
            self._require_connected(self._latest)
            return self._enqueue("zero")

    def _require_connected(self, r: ScaleReading) -> None:
        if r.state is ScaleState.DISCONNECTED:
            raise ScaleDisconnected()
        if r.state is ScaleState.ERROR:
            raise ScaleFault(error=r.error_message())

    def _enqueue(self, name: str, gross_g: int = 0) -> Future:
        future: Future = Future()
        self._commands.put(_Command(name, self.protocol.commands[name], future, gross_g))
        return future

    # --- reader thread (DeviceReader steps) ------------------------------------------------
    def open_device(self):  # noqa: ANN201 - a serial.Serial
        import serial

        port = serial.serial_for_url(self.port, timeout=0.02, write_timeout=1.0, exclusive=True,
                                     **self.serial.for_port(self.port).kwargs())
        try:
            port.reset_input_buffer()
        except (serial.SerialException, OSError):
            pass
        with self._lock:
            self._serial = port
            self._decoder = self.protocol.decoder(self.options)
            self._last_frame_at = self.clock()
            self._noise = 0
            self._last_raw = None
            self._event(_("connected"))
            log.info("scale %s connected on %s (%s)", self.protocol.name, self.port, self.serial.describe())
        return port

    def read_device(self, port) -> None:  # noqa: ANN001
        """Poll and read until stopped or the port fails; a long silence closes the
        port (``_check_device``), which returns here so that it is opened again at once."""
        while not self.stopping and self._serial is port:
            self._cycle()

    def close_device(self, port) -> None:  # noqa: ANN001
        if self._serial is port:
            self._close()
        else:
            super().close_device(port)

    def report_open_failed(self, exc: Exception) -> None:
        self._set_disconnected(N_("cannot open {port}: {error}"), port=self.port, error=_short(exc))
        self._notify()

    def report_lost(self, exc: Exception) -> None:
        if not isinstance(exc, (OSError, termios.error)) and type(exc).__module__.split(".")[0] != "serial":
            log.exception("scale reader failed unexpectedly; reconnecting")
        self._lost(str(exc))
        self._notify()

    def report_stopped(self) -> None:
        self._fail_commands(N_("the scale was stopped"))

    def _close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except Exception:  # noqa: BLE001 - closing a vanished device may fail too
                pass

    def _lost(self, why: str) -> None:
        log.warning("scale %s on %s lost: %s", self.protocol.name, self.port, why)
        self._close()
        self._fail_commands(N_("the scale was disconnected"))
        self._set_disconnected(N_("connection lost: {error}"), error=why)

    def _set_disconnected(self, why: str, **params: object) -> None:
        reading = ScaleReading.disconnected(why, **params)
        with self._lock:
            self._last_raw = None
            self._raw_state = ScaleState.DISCONNECTED
            if self._latest != reading:
                self._last_error = reading.error_message("en")
                self._event(_("disconnected"), lost=True)
                self._publish(reading)

    def _cycle(self) -> None:
        started = self.clock()
        self._confirm_soon = False
        self._run_command()
        if self._request_due():
            self._serial.write(self.protocol.poll)
            self.requests += 1
        self._read_until(started + self.poll_s)
        self._check_silence()
        self._notify()
        self._check_device()
        self.cycles += 1

    def _read(self) -> list[Event]:
        port = self._serial
        data = port.read(port.in_waiting or 1)
        now = self.clock()
        if not data:
            if now - self._last_byte_at > FRAME_GAP_S and self._decoder.drop_partial():
                log.debug("scale on %s: dropped a frame cut in the middle", self.port)
            return []
        self._last_byte_at = now
        # Bytes count as "heard something" until a valid frame comes: garbage without
        # any line end never becomes a Noise event but still means a bad line.
        self._noise += len(data)
        return self._decoder.feed(data)

    def _read_until(self, deadline: float) -> None:
        early = deadline - self.poll_s + CONFIRM_AFTER_S
        while self.clock() < deadline and not self._stop.is_set():
            for event in self._read():
                self._handle(event)
            self._notify()
            if self._confirm_soon and self.clock() >= early:
                break

    def _run_command(self) -> None:
        try:
            cmd = self._commands.get_nowait()
        except queue.Empty:
            return
        self._serial.write(cmd.data)
        if cmd.name in self.protocol.silent_commands:
            self._apply_reply(cmd, Reply(cmd.name, True))
            return
        deadline = self.clock() + self.command_timeout_s
        while self.clock() < deadline and not self._stop.is_set():
            for event in self._read():
                reply = self.protocol.reply_for(cmd.name, event) if self.protocol.reply_for else None
                if reply is not None and not cmd.future.done():
                    self._note_frame()
                    self._apply_reply(cmd, reply)
                else:
                    self._handle(event)
            if cmd.future.done():
                return
        cmd.future.set_exception(ScaleCommandFailed(why=translate(N_("no answer from the scale"))))

    def _apply_reply(self, cmd: _Command, reply: Reply) -> None:
        if not reply.ok:
            self._event(_("{command} refused").format(command=cmd.name))
            error = TareNotPossible(why=translate(reply.why)) if cmd.name == "tare" else \
                ScaleCommandFailed(why=translate(reply.why))
            cmd.future.set_exception(error)
            return
        with self._lock:
            raw = self._last_raw
            if cmd.name == "tare":
                old = self._hw_tare_g if raw is not None and raw.net_mode else 0
                self._hw_tare_g = reply.tare_g if reply.tare_g is not None else cmd.gross_g
                self._sw_tare_g = 0
                if raw is not None and raw.weight_known:
                    # Until the next frame: the scale now shows the same load net of its tare.
                    self._last_raw = replace(raw, net_g=raw.net_g + old - self._hw_tare_g, net_mode=True)
            elif cmd.name == "clear_tare":
                if raw is not None and raw.weight_known and raw.net_mode:
                    self._last_raw = replace(raw, net_g=raw.net_g + self._hw_tare_g, net_mode=False)
                self._hw_tare_g = 0
            self._event(_("{command} done").format(command=cmd.name))
            self._republish()
            cmd.future.set_result(self._latest)

    def _fail_commands(self, why: str) -> None:
        while True:
            try:
                cmd = self._commands.get_nowait()
            except queue.Empty:
                return
            cmd.future.set_exception(ScaleCommandFailed(why=translate(why)))

    def _note_frame(self) -> None:
        self._last_frame_at = self.clock()
        self._noise = 0

    def _handle(self, event: Event) -> None:
        if isinstance(event, Noise):
            return
        self._note_frame()
        if isinstance(event, ScanCode):
            self._deliver_scan(event)
        elif isinstance(event, EchoMode):
            if event.on:
                self._leave_echo_mode()
        elif isinstance(event, NoChange):
            self._on_no_change(event)
        elif isinstance(event, ScaleReading):
            self._on_reading(event)

    def _leave_echo_mode(self) -> None:
        now = self.clock()
        if now - self._echo_handled_at > 1.0:
            self._echo_handled_at = now
            self._event(_("echo mode detected: leaving it"))
            log.info("scale on %s was in echo mode; sending F", self.port)
            self._serial.write(ECHO_OFF)

    def _deliver_scan(self, scan: ScanCode) -> None:
        event = ScanEvent(scan.code, "magellan", scan.symbology, at=self.clock())
        with self._lock:
            handlers = list(self._scan_subscribers)
            self._event(_("barcode read"))
        for handler in handlers:
            try:
                handler(event)
            except Exception:  # noqa: BLE001 - a faulty handler must not stop the reader
                log.exception("scan handler failed")

    def _on_no_change(self, event: NoChange) -> None:
        with self._lock:
            last = self._last_raw
            if last is not None and last.weight_known:
                # Nothing moved since the weight was sent: it is confirmed.
                self._last_raw = replace(last, state=ScaleState.STABLE, net_mode=event.net_mode)
                self._raw_state = ScaleState.STABLE
            else:
                # A flag-free status before any weight (8217 "?@"): nothing is known to
                # be on the scale yet, so it is not "stable" - it waits for a weight.
                self._last_raw = ScaleReading(ScaleState.MOTION, weight_known=False, net_mode=event.net_mode)
                self._raw_state = ScaleState.MOTION
            self._republish()

    def _on_reading(self, raw: ScaleReading) -> None:
        with self._lock:
            state = raw.state
            prev = self._last_raw
            if (state in (ScaleState.STABLE, ScaleState.UNDER_ZERO) and raw.weight_known
                    and self.protocol.confirm_frames > 1
                    and not (prev is not None and prev.weight_known and prev.net_g == raw.net_g
                             and prev.state in (ScaleState.STABLE, ScaleState.UNDER_ZERO)
                             and prev.unit == raw.unit)):
                # One frame alone is not trusted for a sale: a cut or garbled frame could
                # read as a different number. It becomes stable when the next one agrees.
                state = ScaleState.MOTION
                self._confirm_soon = True
            if raw.unit is not None and raw.weight_known:
                self._unit = raw.unit
            if self.protocol.reports_net_mode and raw.weight_known and not raw.net_mode:
                self._hw_tare_g = 0  # tare cleared on the scale itself
            self._last_raw = raw
            self._raw_state = state
            if state is ScaleState.ERROR and raw.error:
                # The scale's own reason (MT-SICS ES/EL, a unit the kiosk does not take,
                # Magellan "cannot find zero"): on the screen, in the JSON, on the Hardware screen.
                reason = raw.error_message("en")
                if self._last_error != reason or not self._event_lost:
                    self._last_error = reason
                    self._event(_("error"), lost=True)
            self._republish()

    def _check_device(self) -> None:
        """Some USB-serial drivers do not fail the open port when the adapter is pulled:
        it just goes quiet, and the path may come back as a new device. So while the
        scale is silent: a vanished path means unplugged, and a long silence reopens."""
        if self.protocol.silent_when_unchanged:
            return
        quiet = self.clock() - self._last_frame_at
        if quiet <= self.silence_s:
            return
        if "://" not in self.port and not os.path.exists(self.port):
            raise OSError(errno.ENODEV, "the device is gone")
        if quiet > REOPEN_AFTER_SILENCES * self.silence_s:
            log.info("scale on %s silent for %.1f s: reopening the port", self.port, quiet)
            self._close()  # read_device() returns and the port is opened again at once; the state stays "does not answer"

    def _check_silence(self) -> None:
        with self._lock:
            quiet = self.clock() - self._last_frame_at
            unreadable = N_("unreadable data from the scale (check the protocol, baud rate and parity)")
            if not self.protocol.silent_when_unchanged:
                if quiet > self.silence_s:
                    if self._noise:
                        self._set_error(unreadable)
                    else:
                        self._set_disconnected(N_("the scale does not answer"))
                return
            # Silent-when-unchanged scales (Adam): silence means "no new weight".
            if self._noise:
                if quiet > self.silence_s:
                    self._set_error(unreadable)
                return
            last = self._last_raw
            if last is not None and last.weight_known and last.net_g == 0:
                return
            if quiet > (self.silence_s if last is None else self.hold_s):
                # They never send zero: after a while without news the goods are gone.
                self._last_raw = ScaleReading(ScaleState.STABLE, unit=self._unit)
                self._raw_state = ScaleState.STABLE
                self._event(_("no new weight: taken as empty"))
                self._republish()

    def _set_error(self, why: str) -> None:
        self._last_raw = None
        self._raw_state = ScaleState.ERROR
        if self._latest.state is not ScaleState.ERROR or self._latest.error != why:
            self._last_error = translate(why, "en")
            self._event(_("error"), lost=True)
            self._publish(ScaleReading.failed(why))

    # --- turning raw frames into what the UI shows -----------------------------------------
    def _republish(self) -> None:
        raw = self._last_raw
        if raw is None:
            return
        net_mode = raw.net_mode if self.protocol.reports_net_mode else bool(self._hw_tare_g)
        hw = self._hw_tare_g if net_mode else 0
        tare = hw + self._sw_tare_g
        state = self._raw_state
        unit = raw.unit or self._unit
        if not raw.weight_known:
            self._publish(ScaleReading(state, 0, tare, 0, unit, False, net_mode, raw.error, raw.error_params))
            return
        gross = raw.net_g + hw
        net = gross - tare
        if state is ScaleState.UNDER_ZERO and gross >= 0:
            state = ScaleState.STABLE  # negative only because of the scale's own tare
        if self.capacity_g is not None and gross > self.capacity_g:
            state = ScaleState.OVER_CAPACITY
        self._publish(ScaleReading(state, gross, tare, net, unit, True, net_mode))

    def _publish(self, reading: ScaleReading) -> None:
        """Make ``reading`` the latest; subscribers hear of it from the reader thread."""
        reading = reading.stamped(self.clock())
        with self._lock:
            if reading != self._latest:
                self._pending.append(reading)
            self._latest = reading
            if self._event_lost and reading.state not in (ScaleState.DISCONNECTED, ScaleState.ERROR):
                # Weights again after silence or garbage on a port that stayed open:
                # the Hardware screen must not keep saying "disconnected".
                self._event(_("answering again"))
            if reading.state is ScaleState.UNDER_ZERO or (
                    reading.weight_known and reading.state is ScaleState.STABLE
                    and (reading.net_g <= 0 or reading.gross_g <= 0)):
                self._armed = True

    def _notify(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
            handlers = list(self._subscribers)
        for reading in pending:
            for handler in handlers:
                try:
                    handler(reading)
                except Exception:  # noqa: BLE001 - a faulty subscriber must not stop the reader
                    log.exception("scale subscriber failed")

    def _event(self, what: str, *, lost: bool = False) -> None:
        self._last_event = what
        self._event_lost = lost


def _done(value: object) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def _short(exc: BaseException) -> str:
    """An OS error's reason without the repeated path ("No such file or directory")."""
    errno = getattr(exc, "errno", None)
    if errno:
        import os

        return os.strerror(errno)
    text = str(exc)
    return text if len(text) <= 120 else text[:117] + "..."
