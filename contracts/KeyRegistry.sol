// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-strict-inequalities */

import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {BabyJubjub} from "./libraries/BabyJubjub.sol";

/// @title KeyRegistry
/// @notice The key life-cycle shared by the originator registry (AttestationRegistry) and the score-provider
/// registry (ProviderRegistry), after Semaphore's SemaphoreGroups: this base holds the key state and the
/// internal life-cycle steps; each registry exposes its own external functions, events and errors.
/// @dev Life-cycle (docs/CONTRACTS.md): a holder proposes a Baby Jubjub public key usable from a day (the
/// registry hashes it itself); proposals are kept per proposer, so proposing someone else's key first blocks
/// nothing; governance (the owner) approves one proposer's proposal, once per key; approving a holder's next key
/// ends its current key the day before the new one starts (rotation); governance or the holder revokes. A key
/// is usable on a day when it is approved, not revoked, and the day lies in [validFrom, validUntil].
/// The registry names each refusal with its own error through the `_revert...` hooks.
abstract contract KeyRegistry is Ownable2Step {
    /// @dev A key as stored, in one slot. `index` is the registry's own numbering (0 where it keeps none).
    struct KeyState {
        address holder;
        uint32 validFrom;
        uint32 validUntil;
        uint16 index;
        bool revoked;
    }

    /// @dev The BN254 scalar field, in which the key's coordinates must lie.
    uint256 internal constant SNARK_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev validUntil of a key not (yet) rotated out.
    uint32 internal constant OPEN_END = type(uint32).max;

    /// @dev Approved keys only (a key is recorded here when governance approves it).
    mapping(uint256 keyHash => KeyState) internal _keys;
    /// @dev Pending proposals, per proposer: validFrom + 1 (0 = none). Kept per proposer so that nobody can
    /// block a holder's key by proposing the same public key first (front-running a proposal).
    mapping(address holder => mapping(uint256 keyHash => uint64 validFromPlusOne)) internal _proposals;
    /// @notice Each holder's current (latest approved) key hash, 0 if none.
    mapping(address holder => uint256 keyHash) public currentKey;

    /// @dev Checks that (ax, ay) is a Baby Jubjub point and records the caller's proposal of it from
    /// `validFrom`; returns its hash in this registry.
    function _proposeKey(uint256 ax, uint256 ay, uint32 validFrom) internal returns (uint256 keyHash) {
        if (ax >= SNARK_FIELD || ay >= SNARK_FIELD) _revertNotFieldElement(ax, ay);
        if (!BabyJubjub.isOnCurve(ax, ay)) _revertNotOnCurve(ax, ay);
        keyHash = _hashKey(ax, ay);
        if (_keys[keyHash].holder != address(0)) _revertKeyExists(keyHash);
        _proposals[msg.sender][keyHash] = uint64(validFrom) + 1;
    }

    /// @dev Approves `holder`'s proposal of `keyHash` under `index` and makes it the holder's current key;
    /// the previous current key (`old`, 0 if none) ends on validFrom - 1. The caller checks authority.
    function _approveKey(
        address holder,
        uint256 keyHash,
        uint16 index
    ) internal returns (uint32 validFrom, uint256 old) {
        uint64 proposed = _proposals[holder][keyHash];
        if (proposed == 0) _revertNoProposal(holder, keyHash);
        if (_keys[keyHash].holder != address(0)) _revertKeyExists(keyHash);
        delete _proposals[holder][keyHash];
        validFrom = uint32(proposed - 1);
        old = currentKey[holder];
        if (old != 0) {
            // The current key is open-ended (only a rotation ends a key, and it moves currentKey on).
            KeyState storage o = _keys[old];
            if (validFrom <= o.validFrom) _revertKeyNotValidOn(keyHash, validFrom, o.validFrom, o.validUntil);
            o.validUntil = validFrom - 1;
        }
        _keys[keyHash] = KeyState(holder, validFrom, OPEN_END, index, false);
        currentKey[holder] = keyHash;
    }

    /// @dev Revokes a key, by governance or its holder; returns its state.
    function _revokeKey(uint256 keyHash) internal returns (KeyState storage k) {
        k = _keys[keyHash];
        address holder = k.holder;
        if (holder == address(0)) _revertUnknownKey(keyHash);
        if (msg.sender != owner() && msg.sender != holder) _revertNotHolder(msg.sender, holder);
        k.revoked = true;
    }

    /// @dev The index of key `keyHash`, refused unless it is approved, not revoked, held by `holder` (by anyone
    /// when `holder` is 0) and valid on `day` (days since 1970-01-01), in that order. `holder` is also the
    /// account whose pending proposal tells an unapproved key from an unknown one (see _proposedBy). One
    /// slot read on success (the submission path of AttestationRegistry: keep it one function, no struct return).
    function _usableKey(uint256 keyHash, address holder, uint32 day) internal view returns (uint256) {
        KeyState memory k = _keys[keyHash];
        if (k.holder == address(0)) {
            if (_proposedBy(holder, keyHash)) _revertKeyNotApproved(keyHash);
            _revertUnknownKey(keyHash);
        }
        if (k.revoked) _revertKeyRevoked(keyHash);
        if (k.holder != holder && holder != address(0)) _revertKeyNotForHolder(keyHash, k.holder, holder);
        if (day < k.validFrom || day > k.validUntil) _revertKeyNotValidOn(keyHash, day, k.validFrom, k.validUntil);
        return k.index;
    }

    /// @dev The registry's hash of public key (ax, ay).
    function _hashKey(uint256 ax, uint256 ay) internal view virtual returns (uint256);

    /// @dev Whether a not-approved key was proposed (by `holder`, where the registry knows it).
    function _proposedBy(address holder, uint256 keyHash) internal view virtual returns (bool);

    // Each hook reverts with the registry's own error.
    function _revertNotFieldElement(uint256 ax, uint256 ay) internal pure virtual;
    function _revertNotOnCurve(uint256 ax, uint256 ay) internal pure virtual;
    function _revertKeyExists(uint256 keyHash) internal pure virtual;
    function _revertNoProposal(address holder, uint256 keyHash) internal pure virtual;
    function _revertUnknownKey(uint256 keyHash) internal pure virtual;
    function _revertKeyNotApproved(uint256 keyHash) internal pure virtual;
    function _revertKeyRevoked(uint256 keyHash) internal pure virtual;
    function _revertNotHolder(address caller, address holder) internal pure virtual;
    function _revertKeyNotForHolder(uint256 keyHash, address holder, address expected) internal pure virtual;
    function _revertKeyNotValidOn(uint256 keyHash, uint32 day, uint32 validFrom, uint32 validUntil) internal pure virtual;
}
