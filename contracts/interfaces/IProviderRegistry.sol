// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys; validity bounds are inclusive.
/* solhint-disable gas-indexed-events, gas-strict-inequalities */

/// @title IProviderRegistry
/// @notice Score providers' Baby Jubjub keys (keyHash = Poseidon(Ax, Ay), computed by the registry): proposed by
/// the provider, approved by governance per proposer, rotated by approving a successor, revoked by governance or
/// the provider (docs/SCORES.md).
interface IProviderRegistry {
    /// @notice An approved provider key (`approved` is always true for a recorded key); validFrom and validUntil
    /// are days since 1970-01-01 (inclusive).
    struct ProviderKey {
        address provider;
        uint32 validFrom;
        uint32 validUntil;
        bool approved;
        bool revoked;
    }

    error Providers__KeyExists(uint256 keyHash);
    error Providers__UnknownKey(uint256 keyHash);
    error Providers__KeyNotApproved(uint256 keyHash);
    error Providers__KeyRevoked(uint256 keyHash);
    error Providers__NotProvider(address caller, address provider);
    error Providers__KeyNotValidOn(uint256 keyHash, uint32 day, uint32 validFrom, uint32 validUntil);
    error Providers__NoProposal(address provider, uint256 keyHash);
    error Providers__NotFieldElement(uint256 ax, uint256 ay);
    error Providers__NotOnCurve(uint256 ax, uint256 ay);
    error Providers__UnknownModel(address provider, uint256 modelId);
    error Providers__ZeroAddress();

    event ProviderKeyProposed(address indexed provider, uint256 indexed keyHash, uint256 ax, uint256 ay, uint32 validFrom);
    event ProviderKeyApproved(address indexed provider, uint256 indexed keyHash, uint32 validFrom);
    event ProviderKeyRotated(address indexed provider, uint256 indexed oldKeyHash, uint32 validUntil);
    event ProviderKeyRevoked(address indexed provider, uint256 indexed keyHash);
    event ProviderModelRegistered(address indexed provider, uint256 modelId);

    /// @notice Proposes the caller's public key, valid from day `validFrom`; returns keyHash = Poseidon(ax, ay).
    function proposeKey(uint256 ax, uint256 ay, uint32 validFrom) external returns (uint256 keyHash);

    /// @notice Approves `provider`'s proposal of the key (governance); a key is approved once, for one provider.
    function approveKey(address provider, uint256 keyHash) external;

    /// @notice keyHash = Poseidon(ax, ay), computed on-chain.
    function keyHashOf(uint256 ax, uint256 ay) external view returns (uint256);

    function revokeKey(uint256 keyHash) external;

    function providerKey(uint256 keyHash) external view returns (ProviderKey memory);

    /// @notice Reverts with the reason unless the key is approved, not revoked and valid on `day`.
    function checkKey(uint256 keyHash, uint32 day) external view;

    /// @notice Registers a model (scale) id the caller, a provider with an approved key, scores with.
    function registerModel(uint256 modelId) external;

    /// @notice The provider of an approved key; reverts (Providers__UnknownModel) unless it registered `modelId`.
    function checkModel(uint256 keyHash, uint256 modelId) external view returns (address provider);
}
