"""Calibration: fit relsim to observed retention data and project it, beside the sBG model.

    import relsim.calibration as cal
    result = cal.calibrate("calibration/fader_hardie_regular.yaml", method="point", workers=2)
    result.parameters     # estimates, standard errors, 95% intervals
    result.projection     # held-out periods: observed, relsim with its band, sBG with its band
    result.mae            # both models' mean absolute error, fitted and held-out periods
    result.write("out/fh-regular")

See docs/calibration.md for the file format, the objective and the methods.
"""

from relsim.lazy import exports

_NAMES = {
    "Calibration": "relsim.calibration.schema", "CalibrationError": "relsim.calibration.schema",
    "load_calibration": "relsim.calibration.schema",
    "CalibrationResult": "relsim.calibration.result", "calibrate": "relsim.calibration.result",
    "SBGFit": "relsim.calibration.sbg", "fit_sbg": "relsim.calibration.sbg",
}
__getattr__, __dir__ = exports(__name__, _NAMES)
__all__ = list(_NAMES)
