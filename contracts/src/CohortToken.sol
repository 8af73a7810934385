// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

/// @title Cohort fee token
/// @notice The ERC-20 stakers pay operators with. Supply is minted by governance (on the devnet, to test accounts).
contract CohortToken is ERC20, Ownable2Step {
    constructor(address governance) ERC20("Cohort Fee Token", "COHORT") Ownable(governance) {}

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
