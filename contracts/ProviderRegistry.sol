// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-strict-inequalities */

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {IPoseidon2} from "./interfaces/IPoseidon2.sol";
import {KeyRegistry} from "./KeyRegistry.sol";

/// @title ProviderRegistry
/// @notice Score providers' EdDSA-Poseidon keys, with the key life-cycle of KeyRegistry (shared with
/// AttestationRegistry): a
/// provider proposes its public key (the registry computes keyHash = Poseidon(ax, ay) itself), governance (the
/// owner) approves one proposer's proposal; approving a provider's next key ends its current key the day
/// before the new one starts; governance or the provider revokes. Proposals are kept per proposer, so that
/// proposing someone else's key first blocks nothing. A provider registers the model (scale) ids it scores
/// with; ScoreAttestations accepts a batch only under a registered model.
contract ProviderRegistry is IProviderRegistry, KeyRegistry {
    /// @notice circomlibjs's Poseidon contract for two inputs, which computes the key hashes.
    // solhint-disable-next-line immutable-vars-naming
    IPoseidon2 public immutable keyHasher;

    /// @dev Whether anyone has proposed the key (to tell an unapproved key from an unknown one).
    mapping(uint256 keyHash => bool) private _proposed;
    /// @notice Model ids each provider registered.
    mapping(address provider => mapping(uint256 modelId => bool)) public modelRegistered;

    constructor(address governance, IPoseidon2 hasher) Ownable(governance) {
        if (address(hasher) == address(0)) revert Providers__ZeroAddress();
        keyHasher = hasher;
    }

    /// @inheritdoc IProviderRegistry
    function keyHashOf(uint256 ax, uint256 ay) public view returns (uint256) {
        return _hashKey(ax, ay);
    }

    /// @inheritdoc IProviderRegistry
    function proposeKey(uint256 ax, uint256 ay, uint32 validFrom) external returns (uint256 keyHash) {
        keyHash = _proposeKey(ax, ay, validFrom);
        _proposed[keyHash] = true;
        emit ProviderKeyProposed(msg.sender, keyHash, ax, ay, validFrom);
    }

    /// @inheritdoc IProviderRegistry
    function approveKey(address provider, uint256 keyHash) external onlyOwner {
        (uint32 validFrom, uint256 old) = _approveKey(provider, keyHash, 0);
        if (old != 0) emit ProviderKeyRotated(provider, old, validFrom - 1);
        emit ProviderKeyApproved(provider, keyHash, validFrom);
    }

    /// @inheritdoc IProviderRegistry
    function revokeKey(uint256 keyHash) external {
        emit ProviderKeyRevoked(_revokeKey(keyHash).holder, keyHash);
    }

    /// @inheritdoc IProviderRegistry
    function providerKey(uint256 keyHash) external view returns (ProviderKey memory) {
        KeyState memory k = _keys[keyHash];
        return ProviderKey(k.holder, k.validFrom, k.validUntil, k.holder != address(0), k.revoked);
    }

    /// @inheritdoc IProviderRegistry
    function checkKey(uint256 keyHash, uint32 day) external view {
        _usableKey(keyHash, address(0), day);
    }

    /// @inheritdoc IProviderRegistry
    function registerModel(uint256 modelId) external {
        if (currentKey[msg.sender] == 0) revert Providers__NotProvider(msg.sender, address(0));
        modelRegistered[msg.sender][modelId] = true;
        emit ProviderModelRegistered(msg.sender, modelId);
    }

    /// @inheritdoc IProviderRegistry
    function checkModel(uint256 keyHash, uint256 modelId) external view returns (address provider) {
        provider = _keys[keyHash].holder;
        if (provider == address(0)) revert Providers__UnknownKey(keyHash);
        if (!modelRegistered[provider][modelId]) revert Providers__UnknownModel(provider, modelId);
    }

    // ---------------------------------------------------------------- KeyRegistry hooks

    function _hashKey(uint256 ax, uint256 ay) internal view override returns (uint256) {
        return keyHasher.poseidon([ax, ay]);
    }

    /// @dev checkKey names no provider: any proposal counts.
    function _proposedBy(address, uint256 keyHash) internal view override returns (bool) {
        return _proposed[keyHash];
    }

    function _revertNotFieldElement(uint256 ax, uint256 ay) internal pure override {
        revert Providers__NotFieldElement(ax, ay);
    }

    function _revertNotOnCurve(uint256 ax, uint256 ay) internal pure override {
        revert Providers__NotOnCurve(ax, ay);
    }

    function _revertKeyExists(uint256 keyHash) internal pure override {
        revert Providers__KeyExists(keyHash);
    }

    function _revertNoProposal(address holder, uint256 keyHash) internal pure override {
        revert Providers__NoProposal(holder, keyHash);
    }

    function _revertUnknownKey(uint256 keyHash) internal pure override {
        revert Providers__UnknownKey(keyHash);
    }

    function _revertKeyNotApproved(uint256 keyHash) internal pure override {
        revert Providers__KeyNotApproved(keyHash);
    }

    function _revertKeyRevoked(uint256 keyHash) internal pure override {
        revert Providers__KeyRevoked(keyHash);
    }

    function _revertNotHolder(address caller, address holder) internal pure override {
        revert Providers__NotProvider(caller, holder);
    }

    /// @dev Unreachable: checkKey accepts any provider's key.
    function _revertKeyNotForHolder(uint256, address holder, address expected) internal pure override {
        revert Providers__NotProvider(expected, holder);
    }

    function _revertKeyNotValidOn(uint256 keyHash, uint32 day, uint32 from, uint32 until) internal pure override {
        revert Providers__KeyNotValidOn(keyHash, day, from, until);
    }
}
