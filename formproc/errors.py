"""The failures formproc reports to users, each with its CLI exit code."""


class FormprocError(Exception):
    """A failure with a one-line message meant for the user."""

    exit_code = 2


class InputError(FormprocError):
    """The input (a file, a record, an argument) cannot be used."""


class StorageError(FormprocError):
    """The store or the file system refused an operation; nothing was changed."""


class ConflictError(StorageError):
    """Someone else saved the same record first (optimistic locking)."""


#: The recurring phrases of InputError/StorageError messages and their Romanian wording (app messages).
_ROMANIAN = (
    ("the PDF is password-protected (encrypted); save an unprotected copy",
     "PDF-ul este protejat cu parolă (criptat); salvați o copie neprotejată"),
    ("cannot open the PKCS#12 file (wrong password or not PKCS#12)",
     "fișierul PKCS#12 nu poate fi deschis (parolă greșită sau nu este PKCS#12)"),
    ("XML with a DOCTYPE/entity declarations is refused", "XML cu DOCTYPE sau declarații de entități este refuzat"),
    ("a text or attribute is too long: over 10,000,000 characters",
     "un text sau un atribut depășește 10.000.000 de caractere"),
    ("empty input, expected JSON records", "fișier gol, se așteptau certificate JSON"),
    ("empty file, expected XML", "fișier gol, se aștepta XML"),
    ("not a PNG, JPEG, TIFF or PDF file", "nu este un fișier PNG, JPEG, TIFF sau PDF"),
    ("not a SIUI sick-leave feedback file", "nu este un răspuns SIUI la raportarea concediilor medicale"),
    ("not a SIUI sick-leave report", "nu este o raportare SIUI de concedii medicale"),
    ("is not in the SIUI namespace", "nu este în spațiul de nume SIUI"),
    ("not a readable formproc backup", "nu este o copie de siguranță formproc lizibilă"),
    ("not a valid ZIP archive", "nu este o arhivă ZIP validă"),
    ("is neither a SIUI nomenclature (Catalogues) nor a personalization file (provider)",
     "nu este nici nomenclator SIUI (Catalogues), nici fișier de personalizare (provider)"),
    ("root element", "elementul rădăcină"),
    ("the archived file is too large", "fișierul din arhivă este prea mare"),
    ("the archive contains more than one file", "arhiva conține mai multe fișiere"),
    ("the archive contains no file", "arhiva nu conține niciun fișier"),
    ("expected a JSON object", "se aștepta un obiect JSON"),
    ("not valid UTF-8 text", "nu este text UTF-8 valid"),
    ("not well-formed XML", "nu este XML corect format"),
    ("not usable JSON", "JSON inutilizabil"),
    ("nested too deeply", "imbricat prea adânc"),
    ("a number with too many digits", "un număr cu prea multe cifre"),
    ("not valid JSON or JSON Lines", "nu este JSON sau JSON Lines valid"),
    ("not valid JSON", "nu este JSON valid"),
    ("invalid JSON", "JSON invalid"),
    ("not a readable PDF", "PDF ilizibil"),
    ("too large in total", "prea mare în total"),
    ("image too large", "imagine prea mare"),
    ("too small to read", "prea mică pentru a fi citită"),
    ("damaged image", "imagine deteriorată"),
    ("file too large", "fișier prea mare"),
    ("file not found", "fișierul nu există"),
    ("disk full, nothing written", "disc plin, nu s-a scris nimic"),
    ("nothing written", "nu s-a scris nimic"),
    ("permission denied", "acces interzis"),
    ("split the file", "împărțiți fișierul"),
    ("record ", "certificatul "),
    ("field ", "câmpul "),
    ("line ", "linia "),
    ("page ", "pagina "),
)


def romanian(message: str) -> str:
    """A user message for the app: one line, its recurring phrases in Romanian (details kept as given)."""
    text = " ".join(message.split())
    for english, ro in _ROMANIAN:
        text = text.replace(english, ro)
    return text
