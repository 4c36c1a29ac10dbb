// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {ICustomsClearance} from "./interfaces/ICustomsClearance.sol";
import {IIoTMonitor} from "./interfaces/IIoTMonitor.sol";
import {IShipmentRegistry} from "./interfaces/IShipmentRegistry.sol";
import {ITradeFinanceEscrow} from "./interfaces/ITradeFinanceEscrow.sol";
import {ConsortiumRoles} from "./libraries/ConsortiumRoles.sol";
import {Financings} from "./libraries/Financings.sol";

/// @title PortLink trade-finance escrow
/// @notice E-commerce and export tax-rebate financing of registered shipments, released by customs decisions on
/// chain, with pull payments and at most one active financing per shipment.
/// @dev Roles come from the consortium registry at each call; the token allowlist is a governance parameter of that
/// registry (`settlementTokenKey(token)`), so port authorities list and delist tokens by vote like every other
/// change. Token movements use SafeERC20 (a token returning false is refused, one returning nothing works) and are
/// credited by balance delta; every external function that moves tokens or credits is `nonReentrant`, and each
/// changes state before it calls the token.
contract TradeFinanceEscrow is ITradeFinanceEscrow, Pausable, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using Financings for Financing;

    // ------------------------------------------------------------------ constants

    /// @notice The largest fee a financier may charge, in basis points (20%).
    uint16 public constant MAX_FEE_BPS = 2_000;
    /// @notice The longest time from an offer to its maturity.
    uint256 public constant MAX_TENOR = 730 days;

    uint256 private constant _BEFORE_FUNDING = (1 << uint8(FinancingState.Requested))
        | (1 << uint8(FinancingState.Offered)) | (1 << uint8(FinancingState.Accepted));
    uint256 private constant _OFFERED = (1 << uint8(FinancingState.Offered)) | (1 << uint8(FinancingState.Accepted));

    // ------------------------------------------------------------------ storage

    ICustomsClearance private immutable _customs;
    IShipmentRegistry private immutable _shipments;
    IConsortiumRegistry private immutable _consortium;
    IIoTMonitor private immutable _iot;
    address private immutable _settlementToken;

    uint256 private _financingCount;
    mapping(uint256 financingId => Financing) private _financings;
    mapping(bytes32 shipmentId => uint256 financingId) private _active;
    mapping(address token => mapping(address account => uint256)) private _credits;
    mapping(address token => uint256) private _owed;
    /// @dev The IoT monitor's `looseningCount` of the shipment when the financing was offered.
    mapping(uint256 financingId => uint256) private _looseningsAtOffer;

    /// @param customs_ The customs clearance contract; its shipment and consortium registries and its IoT monitor are
    /// the escrow's. The monitor must name this contract as its escrow (it is deployed first, with this contract's
    /// address predicted), so that a financing of a shipment locks the shipment's monitoring.
    /// @param settlementToken_ The consortium's settlement token, allowlisted unless governance refuses it.
    constructor(address customs_, address settlementToken_) {
        if (customs_ == address(0) || settlementToken_ == address(0)) {
            revert EscrowZeroAddress();
        }
        _customs = ICustomsClearance(customs_);
        _shipments = IShipmentRegistry(ICustomsClearance(customs_).shipments());
        _consortium = IConsortiumRegistry(_shipments.consortium());
        _iot = IIoTMonitor(ICustomsClearance(customs_).iotMonitor());
        address monitorEscrow = _iot.escrow();
        if (monitorEscrow != address(this)) revert EscrowMonitorMismatch(address(_iot), monitorEscrow);
        _settlementToken = settlementToken_;
    }

    // ------------------------------------------------------------------ financing

    /// @inheritdoc ITradeFinanceEscrow
    function request(bytes32 shipmentId, Product product) external returns (uint256 financingId) {
        if (product == Product.None) revert EscrowInvalidProduct();
        IShipmentRegistry.Shipment memory s = _shipments.getShipment(shipmentId);
        if (s.state == IShipmentRegistry.ShipmentState.None) revert EscrowUnknownShipment(shipmentId);
        if (msg.sender != s.shipper) revert EscrowNotExporter(0, msg.sender);
        _requireRole(ConsortiumRoles.SHIPPER, msg.sender);
        _requireNotFinanced(shipmentId);

        financingId = ++_financingCount;
        Financing storage f = _financings[financingId];
        f.product = product;
        f.shipmentId = shipmentId;
        f.exporter = msg.sender;
        f.moveTo(financingId, FinancingState.Requested);
        emit FinancingRequested(financingId, shipmentId, msg.sender, product);
    }

    /// @inheritdoc ITradeFinanceEscrow
    function offer(uint256 financingId, Terms calldata terms) external {
        Financing storage f = _financings[financingId];
        f.expect(financingId, Financings.bit(FinancingState.Requested));
        _requireRole(ConsortiumRoles.FINANCIER, msg.sender);
        if (!isAllowlisted(terms.token)) revert EscrowTokenNotAllowed(terms.token);
        Financings.checkTerms(terms, f.product, MAX_FEE_BPS, MAX_TENOR);

        f.setTerms(terms, msg.sender);
        _looseningsAtOffer[financingId] = _iot.looseningCount(f.shipmentId);
        f.moveTo(financingId, FinancingState.Offered);
        emit FinancingOffered(
            financingId,
            msg.sender,
            terms.token,
            terms.amount,
            terms.feeBps,
            terms.condition,
            terms.fundBy,
            terms.releaseBy,
            terms.maturity
        );
    }

    /// @inheritdoc ITradeFinanceEscrow
    function accept(uint256 financingId) external {
        Financing storage f = _financings[financingId];
        f.expect(financingId, Financings.bit(FinancingState.Offered));
        if (msg.sender != f.exporter) revert EscrowNotExporter(financingId, msg.sender);
        _requireRole(ConsortiumRoles.SHIPPER, msg.sender);
        if (block.timestamp > f.fundBy) revert EscrowOfferExpired(financingId, f.fundBy);
        f.moveTo(financingId, FinancingState.Accepted);
    }

    /// @inheritdoc ITradeFinanceEscrow
    function cancel(uint256 financingId) external {
        Financing storage f = _financings[financingId];
        f.expect(financingId, _BEFORE_FUNDING);
        if (msg.sender != f.exporter && (msg.sender != f.financier || f.financier == address(0))) {
            revert EscrowNotExporter(financingId, msg.sender);
        }
        f.moveTo(financingId, FinancingState.Cancelled);
    }

    /// @inheritdoc ITradeFinanceEscrow
    function expire(uint256 financingId) external {
        Financing storage f = _financings[financingId];
        f.expect(financingId, _OFFERED);
        if (block.timestamp <= f.fundBy) revert EscrowOfferNotExpired(financingId, f.fundBy);
        f.moveTo(financingId, FinancingState.Expired);
    }

    /// @inheritdoc ITradeFinanceEscrow
    function fund(uint256 financingId) external whenNotPaused nonReentrant {
        Financing storage f = _financings[financingId];
        f.expect(financingId, Financings.bit(FinancingState.Accepted));
        if (msg.sender != f.financier) revert EscrowNotFinancier(financingId, msg.sender);
        _requireRole(ConsortiumRoles.FINANCIER, msg.sender);
        if (block.timestamp > f.fundBy) revert EscrowOfferExpired(financingId, f.fundBy);
        if (!isAllowlisted(f.token)) revert EscrowTokenNotAllowed(f.token);
        bytes32 shipmentId = f.shipmentId;
        _requireNotFinanced(shipmentId);
        if (f.product == Product.TaxRebate && !_customs.isCleared(shipmentId)) revert EscrowNotCleared(shipmentId);
        // The financier offered on the monitoring as it was then; from funding on it is locked (IoTMonitor).
        uint256 loosenings = _iot.looseningCount(shipmentId);
        uint256 atOffer = _looseningsAtOffer[financingId];
        if (loosenings != atOffer) revert EscrowMonitoringLoosened(financingId, shipmentId, atOffer, loosenings);

        // The shipment is taken before the token is called, so a reentrant token meets a financed shipment (and the
        // guard); the amounts are recorded once the balance delta is known.
        _active[shipmentId] = financingId;
        f.moveTo(financingId, FinancingState.Funded);
        uint128 funded = _pull(f.token, msg.sender, f.amount);
        f.recordFunding(funded);
        emit FinancingFunded(financingId, shipmentId, msg.sender, funded, f.due);
    }

    /// @inheritdoc ITradeFinanceEscrow
    function release(uint256 financingId) external whenNotPaused nonReentrant {
        Financing storage f = _financings[financingId];
        f.expect(financingId, Financings.bit(FinancingState.Funded));
        if (block.timestamp > f.releaseBy) revert EscrowReleaseDeadlinePassed(financingId, f.releaseBy);
        if (!_conditionMet(f)) revert EscrowConditionNotMet(financingId, f.condition);
        uint256 alerts = _iot.openAlerts(f.shipmentId);
        if (alerts != 0) revert EscrowAlertsOpen(financingId, alerts);

        uint128 amount = f.funded;
        f.released = amount;
        f.moveTo(financingId, FinancingState.Released);
        emit FinancingReleased(financingId, f.exporter, amount);
        _credit(f.token, f.exporter, financingId, amount);
    }

    /// @inheritdoc ITradeFinanceEscrow
    function refund(uint256 financingId) external nonReentrant {
        Financing storage f = _financings[financingId];
        f.expect(financingId, Financings.bit(FinancingState.Funded));
        RefundReason reason = RefundReason.ReleaseDeadlinePassed;
        if (block.timestamp <= f.releaseBy) {
            if (msg.sender != f.financier || !_rejected(f.shipmentId)) {
                revert EscrowRefundNotDue(financingId, f.releaseBy);
            }
            reason = RefundReason.DeclarationRejected;
        }

        uint128 amount = f.funded;
        f.refunded = amount;
        delete _active[f.shipmentId];
        f.moveTo(financingId, FinancingState.Refunded);
        emit FinancingRefunded(financingId, f.financier, amount, reason);
        _credit(f.token, f.financier, financingId, amount);
    }

    /// @inheritdoc ITradeFinanceEscrow
    function repay(uint256 financingId, uint256 amount) external nonReentrant returns (uint128 received) {
        Financing storage f = _financings[financingId];
        f.expect(financingId, Financings.bit(FinancingState.Released));
        _requireRepayer(financingId, f);
        if (amount == 0) revert EscrowInvalidAmount();
        uint128 outstanding = f.outstanding();
        uint128 asked = amount < outstanding ? uint128(amount) : outstanding;

        received = _pull(f.token, msg.sender, asked);
        uint128 repaid = f.repaid + received;
        f.repaid = repaid;
        emit RepaymentReceived(financingId, msg.sender, received, repaid, f.due);
        _credit(f.token, f.financier, financingId, received);
        if (repaid >= f.due) _settle(financingId, f);
    }

    /// @inheritdoc ITradeFinanceEscrow
    function recordRebatePaid(uint256 financingId, bytes32 paymentRef) external nonReentrant {
        Financing storage f = _financings[financingId];
        f.expect(financingId, Financings.bit(FinancingState.Released));
        _requireRole(ConsortiumRoles.TAX_AUTHORITY, msg.sender);
        if (f.product != Product.TaxRebate) revert EscrowWrongProduct(financingId, f.product);
        emit RebateRecorded(financingId, msg.sender, paymentRef);
        _settle(financingId, f);
    }

    /// @inheritdoc ITradeFinanceEscrow
    function markDefaulted(uint256 financingId) external nonReentrant {
        Financing storage f = _financings[financingId];
        f.expect(financingId, Financings.bit(FinancingState.Released));
        if (block.timestamp <= f.maturity) revert EscrowNotMatured(financingId, f.maturity);
        f.moveTo(financingId, FinancingState.Defaulted);
        emit FinancingDefaulted(
            financingId, f.shipmentId, f.exporter, f.financier, f.token, f.outstanding(), f.maturity
        );
    }

    /// @inheritdoc ITradeFinanceEscrow
    function withdraw(address token, address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert EscrowZeroAddress();
        amount = _credits[token][msg.sender];
        if (amount == 0) revert EscrowNothingToWithdraw(token, msg.sender);
        _credits[token][msg.sender] = 0;
        _owed[token] -= amount;
        emit Withdrawn(token, msg.sender, to, amount);
        IERC20(token).safeTransfer(to, amount);
    }

    /// @inheritdoc ITradeFinanceEscrow
    function pause() external {
        _requirePauser();
        _pause();
    }

    /// @inheritdoc ITradeFinanceEscrow
    function unpause() external {
        _requirePauser();
        _unpause();
    }

    // ------------------------------------------------------------------ reads

    /// @inheritdoc ITradeFinanceEscrow
    function customs() external view returns (address) {
        return address(_customs);
    }

    /// @inheritdoc ITradeFinanceEscrow
    function settlementToken() external view returns (address) {
        return _settlementToken;
    }

    /// @inheritdoc ITradeFinanceEscrow
    function settlementTokenKey(address token) external pure returns (bytes32) {
        return ConsortiumRoles.settlementTokenKey(token);
    }

    /// @inheritdoc ITradeFinanceEscrow
    function getFinancing(uint256 financingId) external view returns (Financing memory) {
        return _financings[financingId];
    }

    /// @inheritdoc ITradeFinanceEscrow
    function activeFinancingOf(bytes32 shipmentId) external view returns (uint256) {
        return _active[shipmentId];
    }

    /// @inheritdoc ITradeFinanceEscrow
    function conditionMet(uint256 financingId) external view returns (bool) {
        return _conditionMet(_financings[financingId]);
    }

    /// @inheritdoc ITradeFinanceEscrow
    function withdrawable(address token, address account) external view returns (uint256) {
        return _credits[token][account];
    }

    /// @inheritdoc ITradeFinanceEscrow
    function totalOwed(address token) external view returns (uint256) {
        return _owed[token];
    }

    /// @inheritdoc ITradeFinanceEscrow
    function financingCount() external view returns (uint256) {
        return _financingCount;
    }

    /// @inheritdoc ITradeFinanceEscrow
    function isAllowlisted(address token) public view returns (bool) {
        uint256 listing = _consortium.parameter(ConsortiumRoles.settlementTokenKey(token));
        if (listing == ConsortiumRoles.TOKEN_ALLOWED) return true;
        return token == _settlementToken && listing != ConsortiumRoles.TOKEN_REFUSED;
    }

    // ------------------------------------------------------------------ internal

    /// @dev Repaid in full (or the rebate recorded as paid): the shipment is free for another financing.
    function _settle(uint256 financingId, Financing storage f) private {
        delete _active[f.shipmentId];
        f.moveTo(financingId, FinancingState.Repaid);
    }

    /// @dev Transfer `amount` of `token` from `from` into the escrow and return what arrived, which the escrow now
    /// owes (the caller credits or holds it).
    function _pull(address token, address from, uint128 amount) private returns (uint128 received) {
        IERC20 t = IERC20(token);
        uint256 before = t.balanceOf(address(this));
        t.safeTransferFrom(from, address(this), amount);
        uint256 delta = t.balanceOf(address(this)) - before;
        // slither-disable-next-line incorrect-equality (nothing arrived: a donation could only make it larger)
        if (delta == 0) revert EscrowNothingReceived(token);
        received = SafeCast.toUint128(delta);
        _owed[token] += received;
    }

    /// @dev Funds the escrow holds become withdrawable by `account`; what the escrow owes does not change.
    function _credit(address token, address account, uint256 financingId, uint128 amount) private {
        _credits[token][account] += amount;
        emit Credited(token, account, financingId, amount);
    }

    /// @dev `isCleared` first: it reads one slot, where the whole declaration is a dozen.
    function _conditionMet(Financing storage f) private view returns (bool) {
        if (_customs.isCleared(f.shipmentId)) return true;
        if (f.condition != Condition.ExportApproved) return false;
        ICustomsClearance.Declaration memory d = _customs.getDeclaration(f.shipmentId);
        return d.state == ICustomsClearance.DeclarationState.Filed
            && d.originDecision == ICustomsClearance.Decision.Approve;
    }

    function _rejected(bytes32 shipmentId) private view returns (bool) {
        return _customs.getDeclaration(shipmentId).state == ICustomsClearance.DeclarationState.Rejected;
    }

    function _requireNotFinanced(bytes32 shipmentId) private view {
        uint256 active = _active[shipmentId];
        if (active != 0) revert EscrowShipmentAlreadyFinanced(shipmentId, active);
    }

    function _requireRepayer(uint256 financingId, Financing storage f) private view {
        if (msg.sender == f.exporter) return;
        if (f.product == Product.ECommerce) {
            if (msg.sender == _shipments.getShipment(f.shipmentId).consignee) return;
        } else if (_consortium.hasRole(ConsortiumRoles.TAX_AUTHORITY, msg.sender)) {
            return;
        }
        revert EscrowNotRepayer(financingId, msg.sender);
    }

    function _requireRole(bytes32 role, address account) private view {
        if (!_consortium.hasRole(role, account)) revert EscrowUnauthorized(account, role);
    }

    function _requirePauser() private view {
        if (!_consortium.hasRole(ConsortiumRoles.PORT_AUTHORITY, msg.sender)) revert EscrowNotPauser(msg.sender);
    }
}
