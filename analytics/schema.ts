/**
 * TypeBox schemas of the analytics SDK's JSON input and output (for `POST /v1/analytics` and for
 * validating files). `AnalysisInput` and `AnalysisReport` are derived from them.
 * Amounts are numbers or decimal strings (bigint minor units, as the loan tape holds them).
 */
import { Type } from "@sinclair/typebox";
import type { Static } from "@sinclair/typebox";

const Probability = Type.Number({ minimum: 0, maximum: 1 });

/** An amount: a non-negative number, or a decimal string of minor units (up to 30 digits). */
export const AmountSchema = Type.Union([
  Type.Number({ minimum: 0 }),
  Type.String({ pattern: "^[0-9]{1,30}$" }),
]);

const LoanFields = {
  exposure: AmountSchema,
  pd: Type.Optional(Probability),
  lgd: Type.Optional(Probability),
  score: Type.Optional(Type.Integer({ minimum: 0, maximum: 1023 })),
  daysPastDue: Type.Optional(Type.Integer({ minimum: 0 })),
  defaulted: Type.Optional(Type.Boolean()),
  collateral: Type.Optional(AmountSchema),
};

/** One loan: exposure, and either pd/lgd directly or score/daysPastDue/collateral to derive them. */
export const LoanInputSchema = Type.Object(LoanFields, { additionalProperties: false });

/**
 * A homogeneous group of `count` equal loans sharing `exposure` in total (attested aggregates); `collateral`
 * is the group's total collateral.
 */
export const GroupInputSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 64 })),
    count: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    ...LoanFields,
  },
  { additionalProperties: false },
);

export const TrancheSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    attachment: Type.Number({ minimum: 0, exclusiveMaximum: 1 }),
    detachment: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);

export const PdTableSchema = Type.Object(
  {
    horizonMonths: Type.Number({ exclusiveMinimum: 0 }),
    scoreBands: Type.Array(Type.Integer({ minimum: 0, maximum: 1023 }), { minItems: 1 }),
    pd: Type.Array(Type.Array(Probability, { minItems: 4, maxItems: 4 }), { minItems: 1 }),
  },
  { additionalProperties: false },
);

/** A stress scenario: PDs multiplied (capped at 1), ρ set or raised, recovery rates multiplied. */
export const StressScenarioSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    pdMultiplier: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    rho: Type.Optional(Probability),
    rhoAdd: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
    recoveryMultiplier: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
  },
  { additionalProperties: false },
);

export const SimulationOptionsSchema = Type.Object(
  {
    scenarios: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    importanceShift: Type.Optional(Type.Number({ minimum: -20, maximum: 20 })),
    importanceMix: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
    confidence: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
    esLevel: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
  },
  { additionalProperties: false },
);

export const SizingOptionsSchema = Type.Object(
  {
    seniorTargetEL: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    mezzanineTargetEL: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    basis: Type.Optional(Type.Union([Type.Literal("estimate"), Type.Literal("upperBound")])),
  },
  { additionalProperties: false },
);

/** Input of `analyzePool`. */
export const AnalysisInputSchema = Type.Object(
  {
    loans: Type.Optional(Type.Array(LoanInputSchema, { maxItems: 1_000_000 })),
    groups: Type.Optional(Type.Array(GroupInputSchema, { maxItems: 10_000 })),
    rho: Type.Optional(Probability),
    tranches: Type.Array(TrancheSchema, { minItems: 1, maxItems: 32 }),
    pdTable: Type.Optional(PdTableSchema),
    recoveryRate: Type.Optional(Probability),
    collateralHaircut: Type.Optional(Probability),
    simulation: Type.Optional(SimulationOptionsSchema),
    sizing: Type.Optional(SizingOptionsSchema),
    stress: Type.Optional(Type.Array(StressScenarioSchema, { maxItems: 32 })),
    sensitivities: Type.Optional(Type.Boolean()),
    histogramBins: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

export const EstimateSchema = Type.Object({
  value: Type.Number(),
  stdError: Type.Number(),
  ciLow: Type.Number(),
  ciHigh: Type.Number(),
});

const SensitivitySchema = Type.Object({
  expectedLoss: Type.Number(),
  probabilityOfImpairment: Type.Number(),
  expectedShortfall: Type.Number(),
});

export const TrancheReportSchema = Type.Object({
  name: Type.String(),
  attachment: Type.Number(),
  detachment: Type.Number(),
  expectedLoss: EstimateSchema,
  probabilityOfImpairment: EstimateSchema,
  expectedShortfall: Type.Number(),
  lossGivenImpairment: Type.Number(),
  /** Derivatives by central finite differences with common random numbers; null when not requested. */
  sensitivities: Type.Union([
    Type.Object({ rho: SensitivitySchema, pdMultiplier: SensitivitySchema }),
    Type.Null(),
  ]),
});

export const SizingResultSchema = Type.Object({
  basis: Type.Union([Type.Literal("estimate"), Type.Literal("upperBound")]),
  seniorTargetEL: Type.Number(),
  mezzanineTargetEL: Type.Number(),
  seniorAttachment: Type.Number(),
  seniorSize: Type.Number(),
  seniorExpectedLoss: EstimateSchema,
  mezzanineAttachment: Type.Number(),
  mezzanineSize: Type.Number(),
  mezzanineExpectedLoss: EstimateSchema,
  equitySize: Type.Number(),
});

export const StressRowSchema = Type.Object({
  name: Type.String(),
  pdMultiplier: Type.Number(),
  rho: Type.Number(),
  recoveryMultiplier: Type.Number(),
  poolExpectedLoss: Type.Number(),
  tranches: Type.Array(
    Type.Object({ name: Type.String(), expectedLoss: Type.Number(), probabilityOfImpairment: Type.Number() }),
  ),
});

export const LossHistogramSchema = Type.Object({
  edges: Type.Array(Type.Number()),
  probability: Type.Array(Type.Number()),
  tailProbability: Type.Number(),
  maxLoss: Type.Number(),
  tranches: Type.Array(TrancheSchema),
  var99: Type.Number(),
  var999: Type.Number(),
});

/** Output of `analyzePool`. */
export const AnalysisReportSchema = Type.Object({
  version: Type.Literal(1),
  pool: Type.Object({
    loanCount: Type.Integer(),
    /** Sum of exposures: exact decimal when every amount is an integer, else the number's decimal form. */
    totalExposure: Type.String(),
    pdClasses: Type.Integer(),
    /** Exposure-weighted Σ e·pd·lgd / Σ e, exact. */
    expectedLoss: Type.Number(),
    weightedAveragePd: Type.Number(),
    weightedAverageLgd: Type.Number(),
  }),
  model: Type.Object({
    rho: Type.Number(),
    scenarios: Type.Integer(),
    seed: Type.Integer(),
    importanceShift: Type.Number(),
    importanceMix: Type.Number(),
    confidence: Type.Number(),
    esLevel: Type.Number(),
    blockSize: Type.Integer(),
    horizonMonths: Type.Number(),
  }),
  poolLoss: Type.Object({
    expectedLoss: EstimateSchema,
    var99: Type.Number(),
    var999: Type.Number(),
    expectedShortfall: Type.Number(),
  }),
  tranches: Type.Array(TrancheReportSchema),
  sizing: Type.Union([SizingResultSchema, Type.Null()]),
  stress: Type.Array(StressRowSchema),
  histogram: LossHistogramSchema,
});

export type AnalysisInput = Static<typeof AnalysisInputSchema>;
export type AnalysisReport = Static<typeof AnalysisReportSchema>;
export type LoanInput = Static<typeof LoanInputSchema>;
export type GroupInput = Static<typeof GroupInputSchema>;
export type StressScenario = Static<typeof StressScenarioSchema>;
export type TrancheReport = Static<typeof TrancheReportSchema>;
export type StressRow = Static<typeof StressRowSchema>;
