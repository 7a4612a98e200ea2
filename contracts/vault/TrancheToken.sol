// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys (indexing them costs more); limits are inclusive by
// specification (docs/POLICY.md), so non-strict comparisons are intended.
/* solhint-disable gas-indexed-events, gas-strict-inequalities, gas-increment-by-one */

import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ITrancheVault} from "../interfaces/ITrancheVault.sol";
import {IERC7540Deposit, IERC7540Operator, IERC7540Redeem, IERC7575} from "../interfaces/IERC7540.sol";

/// @title TrancheToken
/// @notice Shares of one tranche, an ERC-7540 asynchronous ERC-4626 vault (deposit and redeem both
/// asynchronous, requestId 0: requests are aggregated per controller). Assets are the tranche's marked claim in
/// the vault's waterfall.
/// @dev `requestDeposit`/`requestRedeem` enter the TrancheVault's open batch; a close executes it; the ERC-4626
/// `deposit`/`mint` and `redeem`/`withdraw` then claim from the settled request (partially if wished), emitting
/// `Deposit`/`Withdraw`. Previews revert (the price is unknown until the close); max* views return what is
/// claimable. Conversions use 10^6 virtual shares and one virtual asset.
contract TrancheToken is ERC4626, ReentrancyGuard, IERC165, IERC7540Operator, IERC7540Deposit, IERC7540Redeem {
    using SafeERC20 for IERC20;

    // solhint-disable-next-line immutable-vars-naming
    ITrancheVault public immutable vault;
    // solhint-disable-next-line immutable-vars-naming
    uint256 public immutable tranche;
    mapping(address controller => mapping(address operator => bool)) public isOperator;

    constructor(
        IERC20 asset_,
        string memory name_,
        string memory symbol_,
        uint256 tranche_,
        ITrancheVault vault_
    ) ERC20(name_, symbol_) ERC4626(asset_) {
        vault = vault_;
        tranche = tranche_;
    }

    modifier onlyVault() {
        if (msg.sender != address(vault)) revert ITrancheVault.Vault__OnlyVault(msg.sender);
        _;
    }

    function _authorised(address controller) private view {
        if (msg.sender != controller && !isOperator[controller][msg.sender]) {
            revert ITrancheVault.Vault__NotOperator(controller, msg.sender);
        }
    }

    // ---------------------------------------------------------------- ERC-7540

    function setOperator(address operator, bool approved) external returns (bool) {
        isOperator[msg.sender][operator] = approved;
        emit OperatorSet(msg.sender, operator, approved);
        return true;
    }

    /// @notice Moves `assets` from `owner` (approved to this token) into the vault's escrow and requests their
    /// deposit for `controller`.
    function requestDeposit(uint256 assets, address controller, address owner) external nonReentrant returns (uint256) {
        _authorised(owner);
        IERC20(asset()).safeTransferFrom(owner, address(vault), assets);
        vault.requestDepositFor(tranche, controller, assets);
        emit DepositRequest(controller, owner, 0, msg.sender, assets);
        return 0;
    }

    /// @notice Escrows `shares` of `owner` in the vault and requests their redemption for `controller`.
    function requestRedeem(uint256 shares, address controller, address owner) external nonReentrant returns (uint256) {
        if (msg.sender != owner && !isOperator[owner][msg.sender]) _spendAllowance(owner, msg.sender, shares);
        vault.requestRedeemFor(tranche, controller, owner, shares);
        emit RedeemRequest(controller, owner, 0, msg.sender, shares);
        return 0;
    }

    function pendingDepositRequest(uint256, address controller) external view returns (uint256) {
        return vault.pendingDeposit(tranche, controller);
    }

    function claimableDepositRequest(uint256, address controller) external view returns (uint256 assets) {
        (assets, ) = vault.claimableDeposit(tranche, controller);
    }

    function pendingRedeemRequest(uint256, address controller) external view returns (uint256) {
        return vault.pendingRedeem(tranche, controller);
    }

    function claimableRedeemRequest(uint256, address controller) external view returns (uint256 shares) {
        (shares, ) = vault.claimableRedeem(tranche, controller);
    }

    function share() external view returns (address) {
        return address(this);
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return
            id == type(IERC165).interfaceId ||
            id == type(IERC7540Operator).interfaceId ||
            id == type(IERC7540Deposit).interfaceId ||
            id == type(IERC7540Redeem).interfaceId ||
            id == type(IERC7575).interfaceId;
    }

    // ---------------------------------------------------------------- ERC-4626 claims

    function totalAssets() public view override returns (uint256) {
        return vault.trancheAssets(tranche);
    }

    function maxDeposit(address controller) public view override returns (uint256 assets) {
        (assets, ) = vault.claimableDeposit(tranche, controller);
    }

    function maxMint(address controller) public view override returns (uint256 shares) {
        (, shares) = vault.claimableDeposit(tranche, controller);
    }

    function maxWithdraw(address controller) public view override returns (uint256 assets) {
        (, assets) = vault.claimableRedeem(tranche, controller);
    }

    function maxRedeem(address controller) public view override returns (uint256 shares) {
        (shares, ) = vault.claimableRedeem(tranche, controller);
    }

    function previewDeposit(uint256) public view override returns (uint256) {
        return _asyncOnly();
    }

    function previewMint(uint256) public view override returns (uint256) {
        return _asyncOnly();
    }

    function previewWithdraw(uint256) public view override returns (uint256) {
        return _asyncOnly();
    }

    function previewRedeem(uint256) public view override returns (uint256) {
        return _asyncOnly();
    }

    /// @dev Always reverts (the condition only keeps the compiler from flagging OpenZeppelin's synchronous
    /// paths, which these overrides replace, as unreachable).
    function _asyncOnly() private view returns (uint256) {
        if (address(vault) != address(0)) revert ITrancheVault.Vault__AsyncOnly();
        return 0;
    }

    function deposit(uint256 assets, address receiver) public override returns (uint256) {
        return deposit(assets, receiver, msg.sender);
    }

    /// @notice Claims `assets` of the controller's settled deposit request as shares sent to `receiver`.
    function deposit(
        uint256 assets,
        address receiver,
        address controller
    ) public nonReentrant returns (uint256 shares) {
        _authorised(controller);
        (, shares) = vault.claimDepositFor(tranche, controller, receiver, assets, 0);
        emit Deposit(controller, receiver, assets, shares);
    }

    function mint(uint256 shares, address receiver) public override returns (uint256) {
        return mint(shares, receiver, msg.sender);
    }

    /// @notice Claims exactly `shares` of the controller's settled deposit request (its assets rounded up).
    function mint(uint256 shares, address receiver, address controller) public nonReentrant returns (uint256 assets) {
        _authorised(controller);
        (assets, ) = vault.claimDepositFor(tranche, controller, receiver, 0, shares);
        emit Deposit(controller, receiver, assets, shares);
    }

    /// @notice Claims `shares` of the controller's settled redemption as assets sent to `receiver`.
    function redeem(
        uint256 shares,
        address receiver,
        address controller
    ) public override nonReentrant returns (uint256 assets) {
        _authorised(controller);
        (, assets) = vault.claimRedeemFor(tranche, controller, receiver, shares, 0);
        emit Withdraw(msg.sender, receiver, controller, assets, shares);
    }

    /// @notice Claims exactly `assets` of the controller's settled redemption (its shares rounded up).
    function withdraw(
        uint256 assets,
        address receiver,
        address controller
    ) public override nonReentrant returns (uint256 shares) {
        _authorised(controller);
        (shares, ) = vault.claimRedeemFor(tranche, controller, receiver, 0, assets);
        emit Withdraw(msg.sender, receiver, controller, assets, shares);
    }

    // ---------------------------------------------------------------- vault hooks

    function vaultMint(address to, uint256 shares) external onlyVault {
        _mint(to, shares);
    }

    function vaultBurn(address from, uint256 shares) external onlyVault {
        _burn(from, shares);
    }

    function vaultTransfer(address from, address to, uint256 shares) external onlyVault {
        _transfer(from, to, shares);
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return 6;
    }
}
