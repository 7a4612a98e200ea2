/**
 * Default probabilities and losses given default from loan characteristics.
 *
 * The PD table maps (credit-score band × delinquency bucket) to a probability of default over the horizon.
 * The default table below is illustrative, not calibrated on any portfolio: it encodes the usual shape of
 * consumer-credit roll rates (PD falls with score, rises steeply with days past due). Operators pass their
 * own table, calibrated on their history, through `AnalysisInput.pdTable`.
 */
import { invalid } from "../verifier-api/web/errors.js";

/** Delinquency buckets of the table, by days past due: [0, 30), [30, 60), [60, 90), [90, ∞). */
export const DELINQUENCY_BUCKETS = ["current", "dpd30", "dpd60", "dpd90"] as const;

/** A PD table: `pd[band][bucket]` for score bands starting at `scoreBands[band]` (ascending, first 0). */
export interface PdTable {
  /** Horizon of the probabilities, in months (documentation; the model is one-period). */
  horizonMonths: number;
  /** Lower bound of each score band on the 0..1023 score scale, ascending, starting at 0. */
  scoreBands: number[];
  /** pd[band] = [current, dpd30, dpd60, dpd90] probabilities of default over the horizon. */
  pd: number[][];
}

/** The documented default table (12-month PDs); see docs/ANALYTICS.md. */
export const DEFAULT_PD_TABLE: PdTable = {
  horizonMonths: 12,
  scoreBands: [0, 500, 580, 640, 700, 760],
  pd: [
    [0.2, 0.45, 0.65, 0.85],
    [0.1, 0.35, 0.55, 0.8],
    [0.05, 0.28, 0.5, 0.75],
    [0.025, 0.22, 0.45, 0.7],
    [0.01, 0.16, 0.4, 0.65],
    [0.004, 0.12, 0.35, 0.6],
  ],
};

/** Default recovery rate when neither an LGD nor collateral is given: LGD = 1 − 0.4 = 0.6. */
export const DEFAULT_RECOVERY_RATE = 0.4;

/** Default haircut on collateral value when deriving LGD from collateral. */
export const DEFAULT_COLLATERAL_HAIRCUT = 0.2;

/** Throws TypeError naming `name` unless `table` is a well-formed PD table. */
export function checkPdTable(table: PdTable, name = "pdTable"): void {
  if (typeof table !== "object" || table === null) throw invalid(name, "must be an object");
  if (!(Number.isFinite(table.horizonMonths) && table.horizonMonths > 0)) {
    throw invalid(`${name}.horizonMonths`, "must be a positive number");
  }
  const bands = table.scoreBands;
  if (!Array.isArray(bands) || bands.length === 0 || bands[0] !== 0) {
    throw invalid(`${name}.scoreBands`, "must be a non-empty array starting at 0");
  }
  for (let i = 1; i < bands.length; i++) {
    if (!(Number.isInteger(bands[i]) && bands[i]! > bands[i - 1]! && bands[i]! <= 1023)) {
      throw invalid(`${name}.scoreBands`, "must be strictly increasing integers in [0, 1023]");
    }
  }
  if (!Array.isArray(table.pd) || table.pd.length !== bands.length) {
    throw invalid(`${name}.pd`, "must have one row per score band");
  }
  table.pd.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== DELINQUENCY_BUCKETS.length) {
      throw invalid(`${name}.pd[${i}]`, `must hold ${DELINQUENCY_BUCKETS.length} probabilities`);
    }
    row.forEach((p, j) => {
      if (!(typeof p === "number" && p >= 0 && p <= 1))
        throw invalid(`${name}.pd[${i}][${j}]`, "must be in [0, 1]");
    });
  });
}

/** Index of the delinquency bucket of `daysPastDue`. */
export function delinquencyBucket(daysPastDue: number): number {
  if (daysPastDue < 30) return 0;
  if (daysPastDue < 60) return 1;
  if (daysPastDue < 90) return 2;
  return 3;
}

/** PD of a loan from its score (0..1023) and days past due; defaulted loans have PD 1. */
export function pdFromTable(table: PdTable, score: number, daysPastDue: number, defaulted = false): number {
  if (defaulted) return 1;
  let band = 0;
  for (let i = 0; i < table.scoreBands.length; i++) if (score >= table.scoreBands[i]!) band = i;
  return table.pd[band]![delinquencyBucket(daysPastDue)]!;
}

/**
 * LGD from collateral: the exposure not covered by the collateral after a haircut,
 * max(0, 1 − collateral·(1 − haircut)/exposure), floored at `minLgd` (workout costs; default 0.1).
 */
export function lgdFromCollateral(
  exposure: number,
  collateral: number,
  haircut: number,
  minLgd = 0.1,
): number {
  if (!(exposure > 0)) return minLgd;
  return Math.min(1, Math.max(minLgd, 1 - (collateral * (1 - haircut)) / exposure));
}
