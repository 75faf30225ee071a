"""Calibration: fit relsim to observed retention data and project it, beside the sBG model.

    import relsim.calibration as cal
    result = cal.calibrate("calibration/fader_hardie_regular.yaml", method="point", workers=2)
    result.parameters     # estimates, standard errors, 95% intervals
    result.projection     # held-out periods: observed, relsim with its band, sBG with its band
    result.mae            # both models' mean absolute error, fitted and held-out periods
    result.write("out/fh-regular")

See docs/calibration.md for the file format, the objective and the methods.
"""

from relsim.calibration.result import CalibrationResult, calibrate
from relsim.calibration.sbg import SBGFit, fit_sbg
from relsim.calibration.schema import Calibration, CalibrationError, load_calibration

__all__ = ["Calibration", "CalibrationError", "CalibrationResult", "SBGFit", "calibrate",
           "fit_sbg", "load_calibration"]
