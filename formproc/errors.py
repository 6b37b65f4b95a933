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
    # pydantic (record fields), most specific first
    ("Input should be a valid integer, unable to parse string as an integer", "trebuie să fie un număr întreg"),
    ("Input should be a valid integer, got a number with a fractional part",
     "trebuie să fie un număr întreg (fără zecimale)"),
    ("Input should be a valid integer", "trebuie să fie un număr întreg"),
    ("Input should be a valid date or datetime, ", "trebuie să fie o dată calendaristică validă: "),
    ("Input should be a valid date in the format YYYY-MM-DD, ", "trebuie să fie o dată calendaristică validă: "),
    ("Input should be a valid date", "trebuie să fie o dată calendaristică validă"),
    ("month value is outside expected range of 1-12", "luna trebuie să fie între 1 și 12"),
    ("day value is outside expected range", "ziua nu există în acea lună"),
    ("input is too short", "data este incompletă"),
    ("invalid character in year", "anul conține caractere nepermise"),
    ("invalid date separator, expected `-`", "separatorul datei trebuie să fie „-”"),
    ("Input should be a valid decimal", "trebuie să fie o sumă (de exemplu 1234.50)"),
    ("Decimal input should have no more than", "suma poate avea cel mult"),
    ("decimal places", "zecimale"),
    ("digits in total", "cifre în total"),
    ("Input should be a valid boolean", "trebuie să fie Da sau Nu"),
    ("Input should be a valid string", "trebuie să fie text"),
    ("Input should be less than or equal to", "trebuie să fie cel mult"),
    ("Input should be greater than or equal to", "trebuie să fie cel puțin"),
    ("Input should be less than", "trebuie să fie mai mic decât"),
    ("Input should be greater than", "trebuie să fie mai mare decât"),
    ("String should have at most", "textul poate avea cel mult"),
    ("String should have at least", "textul trebuie să aibă cel puțin"),
    ("String should match pattern", "textul nu are forma cerută"),
    ("Field required", "câmp obligatoriu"),
    ("Input should be ", "trebuie să fie "),
    ("' or '", "' sau '"),
    ("characters", "caractere"),
    ("Value error, ", ""),
    ("unknown field", "câmp necunoscut"),
    ("more)", "alte erori)"),
    # libxml2 (schema validation of reports and feedback)
    ("is required but missing", "este obligatoriu și lipsește"),
    ("The value is not accepted by the pattern", "valoarea nu respectă modelul"),
    ("is not a valid value of the atomic type", "nu este o valoare validă de tipul"),
    ("is not a valid value of the local atomic type", "nu este o valoare validă"),
    ("is not an element of the set", "nu este una dintre valorile permise"),
    ("this exceeds the allowed maximum length of", "peste lungimea maximă permisă de"),
    ("this underruns the allowed minimum length of", "sub lungimea minimă de"),
    ("This element is not expected.", "Elementul nu este așteptat aici."),
    ("Missing child element(s). Expected is", "Lipsesc elemente; se aștepta"),
    ("The attribute ", "atributul "),
    ("The value", "valoarea"),
    ("has a length of", "are lungimea"),
    ("Element '", "elementul '"),
    ("attribute '", "atributul '"),
    # SIUI web service and reports
    ("cannot reach", "serviciul nu poate fi contactat:"),
    ("the answer is not a SOAP envelope", "răspunsul nu este un mesaj SOAP"),
    ("unexpected return value", "valoare returnată neașteptată"),
    ("feedback download: HTTP", "descărcarea răspunsului: HTTP"),
    ("is not an http(s) address", "nu este o adresă http(s)"),
    ("nothing to rectify: the certificates are the same as in the reports already submitted",
     "nimic de rectificat: certificatele sunt la fel ca în raportările deja trimise"),
    ("nothing to report", "nimic de raportat"),
    ("no issued certificate is valid for", "niciun certificat emis nu este valabil pentru"),
    ("was submitted: there is nothing to rectify", "nu a fost trimis: nu este nimic de rectificat"),
    ("no report for", "niciun raport pentru"),
    ("is annulled: it has no payer part", "este anulat: nu are partea plătitorului"),
    ("could not be read on the paper and cannot be accepted", "nu se pot citi pe hârtie și nu pot fi acceptate"),
    ("nothing to accept: the paper agrees with the stored certificate or could not be read",
     "nimic de acceptat: hârtia coincide cu certificatul salvat sau nu a putut fi citită"),
    ("the duplicate's own series and number could not be read on the paper",
     "seria și numărul duplicatului nu se pot citi pe hârtie"),
    ("the scan does not look like a blank", "scanarea nu pare un formular necompletat"),
    ("alignment score", "scor de aliniere"),
    ("validFrom and validTo are needed to compute the payer part",
     "perioada (de la / până la) este necesară pentru calculul plătitorului"),
    ("is a continuation: give its previous certificate", "este în continuare: lipsește certificatul anterior"),
    ("with --history", "(nu este în evidență)"),
    ("its period is wholly covered by a later certificate",
     "perioada sa este acoperită în întregime de un certificat ulterior"),
    ("the continuation chain loops", "șirul certificatelor în continuare se închide în cerc"),
    ("incomes: no days worked in the months before", "venituri: nicio zi lucrată în lunile dinaintea lunii"),
    ("incomes: none of the 6 months before", "venituri: lipsesc toate cele 6 luni dinaintea lunii"),
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
