/**
 * Which text may be an identifier (a loan id, a borrower reference): the rule shared by the tape validator
 * (`validate.ts`) and the field encoding (`idToField` in prover/commitment/encoding.ts), so that no id the
 * validator accepts can be encoded into the same field element as another, or look like another one.
 *
 * An id is refused when it
 * - is ill-formed UTF-16 (a lone surrogate: "\ud800A" and "\ud801A" would both become U+FFFD "A" in UTF-8,
 *   one field element for two ids);
 * - holds an invisible or direction-changing character: control characters (Unicode Cc), format characters
 *   (Cf: zero-width space, joiners, soft hyphen, byte order mark, tag characters...), the bidi controls
 *   (U+061C, U+200E-200F, U+202A-202E, U+2066-2069), any other default-ignorable code point (variation
 *   selectors, Hangul fillers...), a line or paragraph separator, or a space other than U+0020;
 * - holds U+FFFD, the replacement character: a reader put it where the source was not valid UTF-8, so two
 *   different source ids may have become this one;
 * - is not in Unicode normalization form C (a decomposed "é" would look like the composed one and be another id).
 *
 * The byte-length limit stays where it was (`MAX_ID_BYTES`, checked by the callers).
 */

/** The characters an id may not hold (see the header). */
export const INVISIBLE_OR_CONTROL =
  /[\p{Cc}\p{Cf}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}\uFFFD]|(?! )\p{Zs}/u;

/** String.prototype.isWellFormed (ES2024; Node 20+), typed here since the project's lib is ES2023. */
function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** The code point as text, `U+202E`. */
function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * Why a string is refused as an identifier's text (see the header), or undefined when its characters are
 * fine. Emptiness, outer white space and length are the callers' rules.
 */
export function idTextProblem(s: string): string | undefined {
  if (!isWellFormed(s)) {
    const at = [...s].findIndex((c) => c.length === 1 && c >= "\ud800" && c <= "\udfff");
    return `is not well-formed UTF-16 (a lone surrogate at character ${at + 1})`;
  }
  const bad = INVISIBLE_OR_CONTROL.exec(s);
  if (bad)
    return `must not contain invisible, control, bidi or replacement characters (${codePoint(bad[0])} at character ${[...s.slice(0, bad.index)].length + 1})`;
  if (s.normalize("NFC") !== s) return "must be in Unicode normalization form C (NFC)";
  return undefined;
}
