// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// The vault's tranche indices, senior first: the order of TrancheVault's per-tranche arrays (balances, pdl,
// claims, tranches), of TrancheToken.tranche() and of the tranche argument `t` of its functions.

/// @dev The senior tranche: paid first, written down last.
uint256 constant SENIOR = 0;
/// @dev The mezzanine tranche.
uint256 constant MEZZANINE = 1;
/// @dev The junior tranche: takes the residual income and the first loss.
uint256 constant JUNIOR = 2;
/// @dev The number of tranches.
uint256 constant TRANCHE_COUNT = 3;
