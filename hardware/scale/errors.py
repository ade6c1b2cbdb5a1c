"""Why a weight cannot be used or a scale command did not happen. Each is a domain
error, so the UI and kiosk-admin show its message in the shop's language."""

from __future__ import annotations

from kiosk.core.errors import DomainError
from kiosk.i18n import N_


class ScaleProblem(DomainError):
    code = "scale"
    template = N_("The scale cannot be used now.")


class NoScale(ScaleProblem):
    code = "no_scale"
    template = N_("No scale is configured: type the weight.")


class ScaleDisconnected(ScaleProblem):
    code = "scale_disconnected"
    template = N_("Scale disconnected: type the weight or check the cable.")


class ScaleFault(ScaleProblem):
    code = "scale_fault"
    template = N_("Scale error: {error}")


class WeightNotStable(ScaleProblem):
    code = "weight_not_stable"
    template = N_("The weight is not stable yet: wait a moment.")


class ScaleUnderZero(ScaleProblem):
    code = "scale_under_zero"
    template = N_("The scale is below zero: empty it and zero it, or clear the tare.")


class ScaleOverloaded(ScaleProblem):
    code = "scale_overloaded"
    template = N_("The scale is overloaded: take some weight off.")


class NothingWeighed(ScaleProblem):
    code = "nothing_weighed"
    template = N_("Nothing to sell: the net weight is zero or less.")


class ReturnToZeroRequired(ScaleProblem):
    code = "return_to_zero"
    template = N_("Take the goods off so the scale returns to zero before the next weighing.")


class TareNotPossible(ScaleProblem):
    code = "tare_not_possible"
    template = N_("The tare cannot be taken: {why}")


class InvalidTare(ScaleProblem):
    code = "invalid_tare"
    template = N_("A tare must be between 1 g and {maximum} g.")


class CommandNotSupported(ScaleProblem):
    code = "scale_command_not_supported"
    template = N_("This scale ({protocol}) cannot do that from the kiosk: use the scale's own key.")


class ScaleCommandFailed(ScaleProblem):
    code = "scale_command_failed"
    template = N_("The scale did not do it: {why}")
