"""PDF output from templates: the blank form, printed certificates, the calibration sheet."""
