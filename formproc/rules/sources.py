"""Short names of the legal acts the rules cite (one place, so every citation reads the same)."""

INSTR = "Instrucțiuni 2020 (Ord. 1.092/745/2020)"
NORME = "Norme OUG 158/2005 (Ord. 15/2018/1.311/2017)"
OUG = "OUG 158/2005"
L346 = "Legea 346/2002"
HG423 = "HG 423/2020"
XSD = "CNAS SIUI ImportSickLeaveReport.xsd"
D112 = "ANAF D112 (structura 01/2026)"
