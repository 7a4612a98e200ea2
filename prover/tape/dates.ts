/**
 * Calendar helpers for tapes: dates are whole days since 1970-01-01 (UTC) in the schema, and the readers
 * accept a few textual formats that real tapes use.
 */
import { CodedError } from "../../verifier-api/web/errors.js";

/** Date formats a mapping may declare for a source column. */
export const DATE_FORMATS = [
  "ISO",
  "YYYY-MM",
  "Mon-YYYY",
  "Mon-YY",
  "MM/DD/YYYY",
  "DD/MM/YYYY",
  "MM-DD-YYYY",
  "MM/YYYY",
  "YYYYMMDD",
  "days",
] as const;
/** One of {@link DATE_FORMATS}. */
export type DateFormat = (typeof DATE_FORMATS)[number];

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/**
 * Days since 1970-01-01 of a proleptic Gregorian calendar date (month 1..12), without range checks.
 * Uses the civil-to-days algorithm of H. Hinnant, exact for every year.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The calendar date `{year, month (1..12), day}` of a day number (days since 1970-01-01). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Number of days in a month (month 1..12) of a Gregorian year. */
export function daysInMonth(year: number, month: number): number {
  return (
    daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) -
    daysFromCivil(year, month, 1)
  );
}

function validCivil(year: number, month: number, day: number): boolean {
  return year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/**
 * Parses a date written in `format` into days since 1970-01-01. Formats that carry only a month
 * (`YYYY-MM`, `Mon-YYYY` such as LendingClub's `Dec-2018`, `Mon-YY` such as `Dec-18`, `MM/YYYY` such as
 * Reg AB II's `01/2024`) resolve to the first day of that month. `MM-DD-YYYY` is Reg AB II's full date.
 * Returns an error reason instead of throwing, so that readers can collect every problem.
 */
export function parseDate(text: string, format: DateFormat): { days: number } | { error: string } {
  const t = text.trim();
  let y = 0;
  let m = 0;
  let d = 1;
  let match: RegExpExecArray | null;
  switch (format) {
    case "days": {
      if (!/^\d{1,6}$/.test(t)) return { error: "not a whole number of days since 1970-01-01" };
      return { days: Number(t) };
    }
    case "ISO":
      match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
      if (!match) return { error: "not an ISO date YYYY-MM-DD" };
      [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
      break;
    case "YYYY-MM":
      match = /^(\d{4})-(\d{2})$/.exec(t);
      if (!match) return { error: "not a month YYYY-MM" };
      [y, m] = [Number(match[1]), Number(match[2])];
      break;
    case "Mon-YYYY": {
      match = /^([A-Za-z]{3})-(\d{4})$/.exec(t);
      const mi = match ? MONTHS.indexOf(match[1]!.toLowerCase()) : -1;
      if (!match || mi < 0) return { error: "not a month Mon-YYYY such as Dec-2018" };
      [y, m] = [Number(match[2]), mi + 1];
      break;
    }
    case "Mon-YY": {
      // Two-digit years pivot at 70: 00-69 are 2000-2069, 70-99 are 1970-1999.
      match = /^([A-Za-z]{3})-(\d{2})$/.exec(t);
      const mi = match ? MONTHS.indexOf(match[1]!.toLowerCase()) : -1;
      if (!match || mi < 0) return { error: "not a month Mon-YY such as Dec-18" };
      const yy = Number(match[2]);
      [y, m] = [yy < 70 ? 2000 + yy : 1900 + yy, mi + 1];
      break;
    }
    case "MM/DD/YYYY":
      match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
      if (!match) return { error: "not a date MM/DD/YYYY" };
      [m, d, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
      break;
    case "MM-DD-YYYY":
      match = /^(\d{2})-(\d{2})-(\d{4})$/.exec(t);
      if (!match) return { error: "not a date MM-DD-YYYY" };
      [m, d, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
      break;
    case "MM/YYYY":
      match = /^(\d{1,2})\/(\d{4})$/.exec(t);
      if (!match) return { error: "not a month MM/YYYY" };
      [m, y] = [Number(match[1]), Number(match[2])];
      break;
    case "DD/MM/YYYY":
      match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
      if (!match) return { error: "not a date DD/MM/YYYY" };
      [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
      break;
    case "YYYYMMDD":
      match = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
      if (!match) return { error: "not a date YYYYMMDD" };
      [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
      break;
    default:
      return { error: `unknown date format ${String(format)}` };
  }
  if (!validCivil(y, m, d)) return { error: "no such calendar date on or after 1970-01-01" };
  return { days: daysFromCivil(y, m, d) };
}

/** Parses an ISO date `YYYY-MM-DD` into days since 1970-01-01; throws an invalid-input CodedError if it is not one. */
export function isoToDays(iso: string): number {
  const r = parseDate(iso, "ISO");
  if ("error" in r)
    throw new CodedError("invalid-input", `${JSON.stringify(iso)}: ${r.error}`, [
      { field: "date", value: iso, reason: r.error },
    ]);
  return r.days;
}

/** Formats days since 1970-01-01 as an ISO date `YYYY-MM-DD`. */
export function daysToIso(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * Adds whole calendar months to a day number, clamping the day of month (Jan 31 + 1 month = Feb 28/29).
 */
export function addMonths(days: number, months: number): number {
  const { year, month, day } = civilFromDays(days);
  const total = year * 12 + (month - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  return daysFromCivil(ny, nm, Math.min(day, daysInMonth(ny, nm)));
}

/** Last day of the month that contains `days`. */
export function endOfMonth(days: number): number {
  const { year, month } = civilFromDays(days);
  return daysFromCivil(year, month, daysInMonth(year, month));
}

/** True when two day numbers fall in the same calendar month. */
export function sameMonth(a: number, b: number): boolean {
  const x = civilFromDays(a);
  const y = civilFromDays(b);
  return x.year === y.year && x.month === y.month;
}
