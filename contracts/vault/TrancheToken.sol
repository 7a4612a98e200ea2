// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

// Event fields carry data, not search keys (indexing them costs more); limits are inclusive by
// specification (docs/POLICY.md), so non-strict comparisons are intended.
/* solhint-disable gas-indexed-events, gas-strict-inequalities, gas-increment-by-one */

import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {ITrancheVault} from "../interfaces/ITrancheVault.sol";

/// @title TrancheToken
/// @notice ERC-4626-compatible shares of one tranche. Assets are the tranche's claim in the vault's waterfall.
/// @dev Deposits and redemptions are asynchronous (ERC-7540 pattern): they are requested from the vault and
/// executed at epoch close, so the synchronous entry points are closed (their max* views return 0 and
/// OpenZeppelin reverts with ERC4626ExceededMax*). Conversions use 10^6 virtual shares and one virtual asset
/// against the first-depositor inflation attack, with OpenZeppelin's explicit rounding.
contract TrancheToken is ERC4626 {
    // solhint-disable-next-line immutable-vars-naming
    ITrancheVault public immutable vault;
    // solhint-disable-next-line immutable-vars-naming
    uint256 public immutable tranche;

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

    function totalAssets() public view override returns (uint256) {
        return vault.trancheAssets(tranche);
    }

    function maxDeposit(address) public pure override returns (uint256) {
        return 0;
    }

    function maxMint(address) public pure override returns (uint256) {
        return 0;
    }

    function maxWithdraw(address) public pure override returns (uint256) {
        return 0;
    }

    function maxRedeem(address) public pure override returns (uint256) {
        return 0;
    }

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
