// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-strict-inequalities */

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";

/// @title ProviderRegistry
/// @notice Score providers' EdDSA-Poseidon keys, with the originator-key pattern of AttestationRegistry: a
/// provider proposes, governance (the owner) approves; approving a provider's next key ends its current key
/// the day before the new one starts; governance or the provider revokes.
contract ProviderRegistry is IProviderRegistry, Ownable2Step {
    mapping(uint256 keyHash => ProviderKey) private _keys;
    mapping(address provider => uint256 keyHash) public currentKey;

    constructor(address governance) Ownable(governance) {}

    /// @inheritdoc IProviderRegistry
    function proposeKey(uint256 keyHash, uint256 ax, uint256 ay, uint32 validFrom) external {
        if (_keys[keyHash].provider != address(0)) revert Providers__KeyExists(keyHash);
        _keys[keyHash] = ProviderKey(msg.sender, validFrom, type(uint32).max, false, false);
        emit ProviderKeyProposed(msg.sender, keyHash, ax, ay, validFrom);
    }

    /// @inheritdoc IProviderRegistry
    function approveKey(uint256 keyHash) external onlyOwner {
        ProviderKey storage k = _keys[keyHash];
        address provider = k.provider;
        if (provider == address(0)) revert Providers__UnknownKey(keyHash);
        if (k.revoked) revert Providers__KeyRevoked(keyHash);
        uint256 old = currentKey[provider];
        if (old != 0 && old != keyHash) {
            ProviderKey storage o = _keys[old];
            if (k.validFrom <= o.validFrom) {
                revert Providers__KeyNotValidOn(keyHash, k.validFrom, o.validFrom, o.validUntil);
            }
            o.validUntil = k.validFrom - 1;
            emit ProviderKeyRotated(provider, old, k.validFrom - 1);
        }
        k.approved = true;
        currentKey[provider] = keyHash;
        emit ProviderKeyApproved(provider, keyHash, k.validFrom);
    }

    /// @inheritdoc IProviderRegistry
    function revokeKey(uint256 keyHash) external {
        ProviderKey storage k = _keys[keyHash];
        if (k.provider == address(0)) revert Providers__UnknownKey(keyHash);
        if (msg.sender != owner() && msg.sender != k.provider) revert Providers__NotProvider(msg.sender, k.provider);
        k.revoked = true;
        emit ProviderKeyRevoked(k.provider, keyHash);
    }

    /// @inheritdoc IProviderRegistry
    function providerKey(uint256 keyHash) external view returns (ProviderKey memory) {
        return _keys[keyHash];
    }

    /// @inheritdoc IProviderRegistry
    function checkKey(uint256 keyHash, uint32 day) external view {
        ProviderKey memory k = _keys[keyHash];
        if (k.provider == address(0)) revert Providers__UnknownKey(keyHash);
        if (k.revoked) revert Providers__KeyRevoked(keyHash);
        if (!k.approved) revert Providers__KeyNotApproved(keyHash);
        if (day < k.validFrom || day > k.validUntil) {
            revert Providers__KeyNotValidOn(keyHash, day, k.validFrom, k.validUntil);
        }
    }
}
