"""formproc: the certificat de concediu medical (CCM) from the first keystroke to the SIUI report."""

__version__ = "0.1.0"
