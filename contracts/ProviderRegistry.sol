// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/* solhint-disable gas-strict-inequalities */

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {IPoseidon2} from "./interfaces/IPoseidon2.sol";
import {BabyJubjub} from "./libraries/BabyJubjub.sol";

/// @title ProviderRegistry
/// @notice Score providers' EdDSA-Poseidon keys, with the originator-key pattern of AttestationRegistry: a
/// provider proposes its public key (the registry computes keyHash = Poseidon(ax, ay) itself), governance (the
/// owner) approves one proposer's proposal; approving a provider's next key ends its current key the day
/// before the new one starts; governance or the provider revokes. Proposals are kept per proposer, so that
/// proposing someone else's key first blocks nothing. A provider registers the model (scale) ids it scores
/// with; ScoreAttestations accepts a batch only under a registered model.
contract ProviderRegistry is IProviderRegistry, Ownable2Step {
    uint256 private constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice circomlibjs's Poseidon contract for two inputs, which computes the key hashes.
    // solhint-disable-next-line immutable-vars-naming
    IPoseidon2 public immutable keyHasher;

    /// @dev Approved keys only.
    mapping(uint256 keyHash => ProviderKey) private _keys;
    /// @dev Pending proposals per proposer: validFrom + 1 (0 = none).
    mapping(address provider => mapping(uint256 keyHash => uint64 validFromPlusOne)) private _proposals;
    /// @dev Whether anyone has proposed the key (to tell an unapproved key from an unknown one).
    mapping(uint256 keyHash => bool) private _proposed;
    mapping(address provider => uint256 keyHash) public currentKey;
    /// @notice Model ids each provider registered.
    mapping(address provider => mapping(uint256 modelId => bool)) public modelRegistered;

    constructor(address governance, IPoseidon2 hasher) Ownable(governance) {
        if (address(hasher) == address(0)) revert Providers__ZeroAddress();
        keyHasher = hasher;
    }

    /// @inheritdoc IProviderRegistry
    function keyHashOf(uint256 ax, uint256 ay) public view returns (uint256) {
        return keyHasher.poseidon([ax, ay]);
    }

    /// @inheritdoc IProviderRegistry
    function proposeKey(uint256 ax, uint256 ay, uint32 validFrom) external returns (uint256 keyHash) {
        if (ax >= FIELD || ay >= FIELD) revert Providers__NotFieldElement(ax, ay);
        if (!BabyJubjub.isOnCurve(ax, ay)) revert Providers__NotOnCurve(ax, ay);
        keyHash = keyHashOf(ax, ay);
        if (_keys[keyHash].provider != address(0)) revert Providers__KeyExists(keyHash);
        _proposals[msg.sender][keyHash] = uint64(validFrom) + 1;
        _proposed[keyHash] = true;
        emit ProviderKeyProposed(msg.sender, keyHash, ax, ay, validFrom);
    }

    /// @inheritdoc IProviderRegistry
    function approveKey(address provider, uint256 keyHash) external onlyOwner {
        uint64 proposed = _proposals[provider][keyHash];
        if (proposed == 0) revert Providers__NoProposal(provider, keyHash);
        if (_keys[keyHash].provider != address(0)) revert Providers__KeyExists(keyHash);
        delete _proposals[provider][keyHash];
        uint32 validFrom = uint32(proposed - 1);
        uint256 old = currentKey[provider];
        if (old != 0) {
            ProviderKey storage o = _keys[old];
            if (validFrom <= o.validFrom) {
                revert Providers__KeyNotValidOn(keyHash, validFrom, o.validFrom, o.validUntil);
            }
            o.validUntil = validFrom - 1;
            emit ProviderKeyRotated(provider, old, validFrom - 1);
        }
        _keys[keyHash] = ProviderKey(provider, validFrom, type(uint32).max, true, false);
        currentKey[provider] = keyHash;
        emit ProviderKeyApproved(provider, keyHash, validFrom);
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
        if (k.provider == address(0)) {
            if (_proposed[keyHash]) revert Providers__KeyNotApproved(keyHash);
            revert Providers__UnknownKey(keyHash);
        }
        if (k.revoked) revert Providers__KeyRevoked(keyHash);
        if (day < k.validFrom || day > k.validUntil) {
            revert Providers__KeyNotValidOn(keyHash, day, k.validFrom, k.validUntil);
        }
    }

    /// @inheritdoc IProviderRegistry
    function registerModel(uint256 modelId) external {
        if (currentKey[msg.sender] == 0) revert Providers__NotProvider(msg.sender, address(0));
        modelRegistered[msg.sender][modelId] = true;
        emit ProviderModelRegistered(msg.sender, modelId);
    }

    /// @inheritdoc IProviderRegistry
    function checkModel(uint256 keyHash, uint256 modelId) external view returns (address provider) {
        provider = _keys[keyHash].provider;
        if (provider == address(0)) revert Providers__UnknownKey(keyHash);
        if (!modelRegistered[provider][modelId]) revert Providers__UnknownModel(provider, modelId);
    }
}
