/**
 * rwa-attest tranche analytics: a one-factor Gaussian copula (Vasicek) Monte Carlo of a loan pool's losses,
 * with importance sampling, tranche metrics, sensitivities, sizing, stress tests, and the closed forms it is
 * checked against. Start with {@link analyzePool}; see docs/ANALYTICS.md.
 *
 * This entry point uses no Node API (browser-safe); `analytics/index.ts` adds the worker-thread runners.
 */
export {
  analyzePool,
  validateAnalysisInput,
  poolArraysFromInput,
  stressArrays,
  stressRho,
  stressIsIdentity,
  simulationRuns,
  SENSITIVITY_RUNS,
  autoShift,
  conditionalExpectedLoss,
  parseAmount,
  ANALYSIS_DEFAULTS,
  DEFAULT_STRESS_SCENARIOS,
  MAX_LOANS,
} from "./analyze.ts";
export { analysisFromFigures, unpackFigures } from "./figures.ts";
export type { AttestedFigures, FiguresOptions } from "./figures.ts";
export * from "./schema.ts";
export { compilePool } from "./pool.ts";
export type { PoolArrays, CompiledPool } from "./pool.ts";
export { simulateLosses, simulateBlock, checkSimulationParams, blockCount, BLOCK_SIZE } from "./simulate.ts";
export type { SimulationParams, SimulationResult } from "./simulate.ts";
export {
  trancheLoss,
  trancheMetrics,
  estimateMean,
  estimateMeanUnnormalised,
  expectedShortfall,
  lossQuantile,
  lossOrder,
  sizeTranches,
  lossHistogram,
  confidenceZ,
  checkTranche,
} from "./tranche.ts";
export type { Tranche, Estimate, TrancheMetrics, SizingResult, LossHistogram } from "./tranche.ts";
export {
  conditionalPd,
  vasicekLossCdf,
  vasicekTrancheLoss,
  binomialPmf,
  homogeneousPoolDistribution,
  trancheLossFromDistribution,
  integrateOverFactor,
} from "./closed-form.ts";
export {
  DEFAULT_PD_TABLE,
  DEFAULT_RECOVERY_RATE,
  DEFAULT_COLLATERAL_HAIRCUT,
  DELINQUENCY_BUCKETS,
  pdFromTable,
  lgdFromCollateral,
  checkPdTable,
  delinquencyBucket,
} from "./pd-table.ts";
export type { PdTable } from "./pd-table.ts";
export { normCdf, normInv, normPdf } from "./normal.ts";
export { Xoshiro128, seedState, mix32 } from "./prng.ts";
export { formatReport, formatStressTable, formatProjection, formatMoney } from "./format.ts";
export {
  projectPool,
  levelPayment,
  levelPayWal,
  loanFromFigures,
  loansFromTape,
  projectionMonths,
  curveAt,
  checkAssumptions,
} from "./cashflow.ts";
export type {
  Curve,
  CashflowAssumptions,
  AmortisingLoan,
  PoolPeriod,
  PoolProjection,
  ProjectionFigures,
} from "./cashflow.ts";
export {
  projectVault,
  projectScenarios,
  cdrFromHorizonLoss,
  irr,
  tranchesFromVaultLedgers,
  TRANCHE_NAMES,
} from "./projection.ts";
export { realisedPerformance } from "./performance.ts";
export type { PerformanceFigures, RealisedPerformance } from "./performance.ts";
export type {
  VaultProjectionInput,
  VaultProjection,
  VaultPeriod,
  TranchePeriod,
  TrancheProjection,
  ScenarioProjectionInput,
  ScenarioProjection,
  TrancheScenarioStats,
} from "./projection.ts";
