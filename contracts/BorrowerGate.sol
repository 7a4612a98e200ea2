// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-indexed-events, gas-strict-inequalities, immutable-vars-naming */

import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {IGroth16Verifier8} from "./interfaces/IGroth16Verifier8.sol";
import {ScoreAttestations} from "./ScoreAttestations.sol";
import {DomainWord} from "./generated/DomainWord.sol";
import {BorrowerScoreSignals as Sig} from "./generated/BorrowerScoreSignals.sol";

/// @title BorrowerGate
/// @notice Admits an account whose borrower proves privately (circuits/borrower/borrower_score.circom) that a
/// registered provider scored them at least `minScore`, at most `maxAgeDays` ago, and that their loan is in a
/// tape whose scores are provider-backed in ScoreAttestations: every chunk of the tape backed (`isBacked`), by
/// the same provider and model as the borrower's report. One admission per borrower: a nullifier
/// (Poseidon(borrowerSecret, scope), a secret whose key is the leaf's borrower salt, so the score provider
/// cannot compute it) is refused the second time. Public signals: root, providerKeyHash,
/// modelId, threshold, minScoreDate, scope, nullifier, account.
contract BorrowerGate {
    error Gate__WrongScope(uint256 scope, uint256 expected);
    error Gate__WrongAccount(uint256 account, address sender);
    error Gate__ThresholdTooLow(uint256 threshold, uint256 required);
    error Gate__ReportTooOld(uint256 minScoreDate, uint256 oldestAllowed);
    error Gate__RootNotBacked(uint256 root, uint64 poolId, uint32 period);
    error Gate__NotFullyBacked(uint64 poolId, uint32 period);
    error Gate__ModelMismatch(uint256 modelId, uint256 backedModelId, address provider, address backedProvider);
    error Gate__NullifierUsed(uint256 nullifier);
    error Gate__InvalidProof(uint256 nullifier);

    event BorrowerAdmitted(address indexed account, uint256 nullifier, uint64 poolId, uint32 period, uint256 providerKeyHash);

    IProviderRegistry public immutable providers;
    ScoreAttestations public immutable scores;
    IGroth16Verifier8 public immutable verifier;
    uint16 public immutable minScore;
    uint16 public immutable maxAgeDays;

    mapping(uint256 nullifier => bool) public nullifierUsed;
    mapping(address account => bool) public admitted;

    constructor(
        IProviderRegistry providers_,
        ScoreAttestations scores_,
        IGroth16Verifier8 verifier_,
        uint16 minScore_,
        uint16 maxAgeDays_
    ) {
        providers = providers_;
        scores = scores_;
        verifier = verifier_;
        minScore = minScore_;
        maxAgeDays = maxAgeDays_;
    }

    /// @notice The `scope` signal a proof for this gate must carry (this contract on this chain).
    function scope() public view returns (uint256) {
        return DomainWord.domain(address(this), block.chainid);
    }

    /// @notice Verifies a borrower proof for the caller and admits it.
    function admit(
        uint64 poolId,
        uint32 period,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[8] calldata s
    ) external {
        if (s[Sig.SCOPE] != scope()) revert Gate__WrongScope(s[Sig.SCOPE], scope());
        if (s[Sig.ACCOUNT] != uint256(uint160(msg.sender))) revert Gate__WrongAccount(s[Sig.ACCOUNT], msg.sender);
        if (s[Sig.THRESHOLD] < minScore) revert Gate__ThresholdTooLow(s[Sig.THRESHOLD], minScore);
        uint256 today = block.timestamp / 1 days;
        uint256 oldest = today > maxAgeDays ? today - maxAgeDays : 0;
        if (s[Sig.MIN_SCORE_DATE] < oldest) revert Gate__ReportTooOld(s[Sig.MIN_SCORE_DATE], oldest);
        if (s[Sig.ROOT] == 0 || scores.backedRoot(poolId, period) != s[Sig.ROOT]) revert Gate__RootNotBacked(s[Sig.ROOT], poolId, period);
        if (!scores.isBacked(poolId, period)) revert Gate__NotFullyBacked(poolId, period);
        providers.checkKey(s[Sig.PROVIDER_KEY_HASH], uint32(today));
        _checkModel(poolId, period, s[Sig.PROVIDER_KEY_HASH], s[Sig.MODEL_ID]);
        if (nullifierUsed[s[Sig.NULLIFIER]]) revert Gate__NullifierUsed(s[Sig.NULLIFIER]);
        if (!verifier.verifyProof(a, b, c, s)) revert Gate__InvalidProof(s[Sig.NULLIFIER]);
        nullifierUsed[s[Sig.NULLIFIER]] = true;
        admitted[msg.sender] = true;
        emit BorrowerAdmitted(msg.sender, s[Sig.NULLIFIER], poolId, period, s[Sig.PROVIDER_KEY_HASH]);
    }

    /// @dev The report's provider and model are those that backed the tape's scores.
    function _checkModel(uint64 poolId, uint32 period, uint256 keyHash, uint256 modelId) private view {
        address provider = providers.checkModel(keyHash, modelId);
        (address backedProvider, uint256 backedModelId) = scores.backedModel(poolId, period);
        if (provider != backedProvider || modelId != backedModelId) {
            revert Gate__ModelMismatch(modelId, backedModelId, provider, backedProvider);
        }
    }
}
