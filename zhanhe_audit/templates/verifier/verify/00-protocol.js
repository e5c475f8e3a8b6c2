/* zhanhe-audit: the reviewer's verifier page (draw protocol v1).

A third implementation of the draw, beside the Python package and verify-task.sh, written
from docs/draw-protocol.md: it reads an archive folder the reviewer chooses, hashes with the
browser's own SHA-256 (WebCrypto), and recomputes the tickets, ranks, quotas, selection and
batches, the eligibility from the archived registers and params, the visits and their
inspectors, and the replacement records. It fetches nothing and writes nothing; every text it
shows goes through textContent. */
// ---- the protocol's constants (docs/draw-protocol.md, and docs/registers.md) ----
// The package's own constants, put here when the page is built (verify_page.constants(): params.py, registers/cells.py,
// registers/reading.py, uscc.py, evidence/files.py, findings.py, calendar.py), so that both verifiers read one
// source. A set of the package is a sorted list here.
const CONSTANTS = /* @CONSTANTS@ */ null;
const PROTOCOL = CONSTANTS.protocol;
const GRADES = CONSTANTS.grades;
const FLOORS = CONSTANTS.floors; // Zhanhe plan, section 3.3
const SEED_MIN_DIGITS = CONSTANTS.seed_min_digits;
const REGISTERS = CONSTANTS.registers;
const COLUMNS = CONSTANTS.register_columns;
const CHINESE_HEADERS = CONSTANTS.chinese_headers;
const GRADE_LABELS = CONSTANTS.grade_labels;
const ACTIVE = new Set(CONSTANTS.active_statuses);
const INACTIVE = new Set(CONSTANTS.inactive_statuses);
const TRUE_WORDS = new Set(CONSTANTS.true_words);
const FALSE_WORDS = new Set(CONSTANTS.false_words);
const ALL_ENTITIES = CONSTANTS.all_entities;
const LIST_SEPARATOR = CONSTANTS.list_separator;
const USCC_ALPHABET = CONSTANTS.uscc_alphabet;
const USCC_WEIGHTS = CONSTANTS.uscc_weights;
const CSV_COLUMNS = CONSTANTS.csv_columns; // each archived CSV file's columns, by its path
// Not the package's values but its patterns, written again for JavaScript (tests/verifier/test_verify_page_constants.py
// compares them with the package's):
const RECORD_NAME = /^(\d{4,})-([a-z]+)$/;
const QUARTER = /^(demo-)?(\d{4})Q[1-4]$/;
// What Python's str.strip() and the \s of its re module take for white space (29 characters).
const SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TRIM = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');
const SPACES = new RegExp(`[${SPACE}]+`, 'g');
const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/; // what Python's str.splitlines() splits at
