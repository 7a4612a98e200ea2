// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys (indexing them costs more).
/* solhint-disable gas-indexed-events */

import {IAttestationRegistry} from "./IAttestationRegistry.sol";

/// @title IRollForwardRegistry
/// @notice Each pool's roll-forward chain (issue 15, docs/CONTRACTS.md "Roll-forward"): from the attestation it
/// was anchored at, every later tape the chain reaches was proven to be the chain's last tape rolled forward
/// (RollForwardCommitment chunk proofs and one RollForwardAggregation proof over them), and the period's
/// totals (opening, collections, charge-offs, adjustments, originations, exits, closing) are recorded.
interface IRollForwardRegistry {
    /// @notice A period's roll-forward totals, in the pool's minor units and counts (circuit fields of
    /// prover/rollforward/layout.ts). closing = opening + originations - principalCollected - chargedOff +
    /// adjustmentsUp - adjustmentsDown - removedAtExit.
    // solhint-disable-next-line gas-struct-packing
    struct PeriodTotals {
        uint32 prevPeriod;
        uint256 opening;
        uint256 principalCollected;
        uint256 interestCollected;
        uint256 recoveries;
        uint256 chargedOff;
        uint256 adjustmentsUp;
        uint256 adjustmentsDown;
        uint256 originations;
        uint256 closing;
        uint256 removedAtExit;
    }

    /// @notice A pool's chain: anchored or not, the last period and tape root it reached, that tape's asOfDate
    /// and closing balance (the next roll-forward's opening).
    struct Chain {
        bool anchored;
        uint32 period;
        uint16 asOfDate;
        uint256 root;
        uint256 closing;
    }

    error RollForward__NotOriginator(uint64 poolId, address caller);
    error RollForward__NotAttested(uint64 poolId);
    error RollForward__AlreadyAnchored(uint64 poolId);
    error RollForward__NotAnchored(uint64 poolId);
    error RollForward__MalformedSignal(uint256 index, uint256 value);
    error RollForward__PrevRootNotLast(uint64 poolId, uint256 prevRoot, uint256 lastRoot);
    error RollForward__PrevPeriodNotLast(uint64 poolId, uint32 prevPeriod, uint32 lastPeriod);
    error RollForward__PeriodStepTooLarge(uint64 poolId, uint32 period, uint32 lastPeriod);
    error RollForward__NotCurrentAttestation(uint64 poolId, uint32 period, uint32 attestedPeriod);
    error RollForward__RootNotAttested(uint64 poolId, uint256 root, uint256 attestedRoot);
    error RollForward__DateMismatch(uint64 poolId, uint16 asOfDate, uint16 expected);
    error RollForward__WrongMaxAdjustment(uint256 maxAdjustment, uint256 expected);
    error RollForward__BadChunk(uint16 index, uint16 count);
    error RollForward__ChunkAlreadySubmitted(uint64 poolId, uint32 period, uint16 chunkIndex);
    error RollForward__NoBatch(uint64 poolId, uint32 period);
    error RollForward__ChunksMissing(uint64 poolId, uint32 period, uint16 received, uint16 count);
    error RollForward__InvalidProof(uint64 poolId, uint32 period, uint16 chunkIndex);
    error RollForward__InvalidAggregation(uint64 poolId, uint32 period);
    error RollForward__OpeningNotLastClosing(uint64 poolId, uint256 opening, uint256 lastClosing);
    error RollForward__ClosingNotAttested(uint64 poolId, uint256 closing, uint256 attestedOutstanding);
    error RollForward__UnknownVerifier(bytes32 circuitId, uint16 version);
    error RollForward__WrongVerifierKind(bytes32 circuitId, uint16 version, uint8 kind, uint8 expected);
    error RollForward__VerifierExists(bytes32 circuitId, uint16 version);
    error RollForward__VerifierRetired(bytes32 circuitId, uint16 version);
    error RollForward__BadVerifierKind(uint8 kind);
    error RollForward__ZeroAddress();

    event ChainAnchored(uint64 poolId, uint32 period, uint256 root, uint256 closing);
    /// @dev The batch's chunk count is not repeated here (256 gas a chunk): `batch(poolId)` has it.
    event RollForwardChunkCommitted(uint64 poolId, uint32 period, uint16 chunkIndex, uint256 rfCommit, uint256 flowCommit);
    event RollForwardBatchReplaced(uint64 poolId, uint32 period, uint16 received);
    event RollForwardRecorded(uint64 poolId, uint32 period, uint32 prevPeriod, uint256 rfA, uint256 rfB, uint256 rfC);
    event VerifierAdded(bytes32 circuitId, uint16 version, address verifier, uint8 kind);
    event VerifierRetired(bytes32 circuitId, uint16 version);

    /// @notice The attestation registry whose attested roots the chains follow.
    function registry() external view returns (IAttestationRegistry);

    /// @notice The bound on one loan's |adjustment| in a period that every roll-forward proof must carry.
    function maxAdjustment() external view returns (uint256);

    /// @notice The pool's chain.
    function chain(uint64 poolId) external view returns (Chain memory);

    /// @notice True when the pool's chain is anchored and has reached the pool's latest attestation: that
    /// attestation's tape is the anchor or was proven to be the previous chain tape rolled forward.
    function isContinuous(uint64 poolId) external view returns (bool);

    /// @notice The recorded roll-forward totals of `period` (the period the roll-forward reached).
    function periodTotals(uint64 poolId, uint32 period) external view returns (bool recorded, PeriodTotals memory);
}
