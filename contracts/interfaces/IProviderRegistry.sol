// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys; validity bounds are inclusive.
/* solhint-disable gas-indexed-events, gas-strict-inequalities */

/// @title IProviderRegistry
/// @notice Score providers' Baby Jubjub keys (keyHash = Poseidon(Ax, Ay)): proposed by the provider, approved by
/// governance, rotated by approving a successor, revoked by governance or the provider (docs/SCORES.md).
interface IProviderRegistry {
    /// @notice A provider key; validFrom and validUntil are days since 1970-01-01 (inclusive).
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

    event ProviderKeyProposed(address indexed provider, uint256 indexed keyHash, uint256 ax, uint256 ay, uint32 validFrom);
    event ProviderKeyApproved(address indexed provider, uint256 indexed keyHash, uint32 validFrom);
    event ProviderKeyRotated(address indexed provider, uint256 indexed oldKeyHash, uint32 validUntil);
    event ProviderKeyRevoked(address indexed provider, uint256 indexed keyHash);

    function proposeKey(uint256 keyHash, uint256 ax, uint256 ay, uint32 validFrom) external;

    function approveKey(uint256 keyHash) external;

    function revokeKey(uint256 keyHash) external;

    function providerKey(uint256 keyHash) external view returns (ProviderKey memory);

    /// @notice Reverts with the reason unless the key is approved, not revoked and valid on `day`.
    function checkKey(uint256 keyHash, uint32 day) external view;
}
