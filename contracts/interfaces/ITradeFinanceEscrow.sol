// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title PortLink trade-finance escrow
/// @notice Financing of registered shipments, settled in an allowlisted ERC-20 token and released by what the ledger
/// already proves. Two products:
/// - cross-border e-commerce financing: released to the exporter once the export side is cleared (origin customs
///   approved the declaration, or the goods are fully cleared: a term of the offer), repaid by the consignee or the
///   exporter;
/// - export tax-rebate financing: funded only after full clearance, repaid by the TAX_AUTHORITY (paying into the
///   escrow, or recording that the rebate was paid to the financier).
/// IMPORTANT: at most one financing per shipment is active (funded and not yet repaid or refunded; a defaulted one
/// stays active, since its receivable is still pledged) across all financiers and products, keyed on the shipment's
/// canonical business key (its id in the shipment registry).
/// @dev Every payout is a credit to withdraw (pull payments), so a beneficiary the token refuses to pay blocks only
/// its own withdrawal. Amounts credited are what the escrow's balance actually grew by.
interface ITradeFinanceEscrow {
    // ------------------------------------------------------------------ types

    /// @notice What is financed.
    enum Product {
        None,
        ECommerce,
        TaxRebate
    }

    /// @notice The on-chain fact that releases the funds to the exporter.
    /// ExportApproved: origin customs approved the current version of the declaration (or the goods are cleared).
    /// Cleared: the declaration is cleared by both customs. Tax-rebate financing always uses Cleared.
    enum Condition {
        None,
        ExportApproved,
        Cleared
    }

    /// @notice Where a financing is. Requested -> Offered -> Accepted -> Funded -> Released -> Repaid | Defaulted;
    /// Funded -> Refunded; Requested/Offered/Accepted -> Cancelled; Offered/Accepted -> Expired.
    enum FinancingState {
        None,
        Requested,
        Offered,
        Accepted,
        Funded,
        Released,
        Repaid,
        Refunded,
        Defaulted,
        Expired,
        Cancelled
    }

    /// @notice Why funds went back to the financier.
    enum RefundReason {
        None,
        DeclarationRejected,
        ReleaseDeadlinePassed
    }

    /// @notice What a financier offers.
    struct Terms {
        /// @dev An allowlisted settlement token.
        address token;
        /// @dev The principal, in the token's units.
        uint128 amount;
        /// @dev The fee on the principal, in basis points (at most `MAX_FEE_BPS`).
        uint16 feeBps;
        Condition condition;
        /// @dev Unix time after which the offer, unless funded, expires.
        uint64 fundBy;
        /// @dev Unix time after which funds not released go back to the financier.
        uint64 releaseBy;
        /// @dev Unix time by which principal and fee are due; after it, an unpaid financing may be marked defaulted.
        uint64 maturity;
    }

    /// @notice A financing.
    struct Financing {
        FinancingState state;
        Product product;
        Condition condition;
        uint16 feeBps;
        uint64 fundBy;
        uint64 releaseBy;
        uint64 maturity;
        bytes32 shipmentId;
        /// @dev The shipment's shipper, who requested the financing.
        address exporter;
        address financier;
        address token;
        /// @dev The principal offered.
        uint128 amount;
        /// @dev What the escrow received when funded (less than `amount` for a token that takes a fee on transfer).
        uint128 funded;
        uint128 released;
        uint128 refunded;
        /// @dev What the escrow received in repayments so far.
        uint128 repaid;
        /// @dev `funded` plus the fee on it (rounded up): what repays the financing.
        uint128 due;
    }

    // ------------------------------------------------------------------ errors

    /// @notice `account` lacks `role` for this action.
    error EscrowUnauthorized(address account, bytes32 role);
    /// @notice Only the exporter of the financing (the shipment's shipper) may do this; `cancel` also lets the
    /// financier that offered. `financingId` is 0 for a `request`.
    error EscrowNotExporter(uint256 financingId, address account);
    /// @notice Only the financier of the financing may do this.
    error EscrowNotFinancier(uint256 financingId, address account);
    /// @notice The account may not repay this financing (the consignee or exporter for e-commerce, the tax
    /// authority or exporter for a tax rebate).
    error EscrowNotRepayer(uint256 financingId, address account);
    /// @notice Only active port authorities may pause and unpause the escrow.
    error EscrowNotPauser(address account);
    /// @notice The shipment registry has no such shipment.
    error EscrowUnknownShipment(bytes32 shipmentId);
    /// @notice No financing with this id.
    error EscrowUnknownFinancing(uint256 financingId);
    /// @notice `None` is not a product.
    error EscrowInvalidProduct();
    /// @notice The shipment already has an active financing (`financingId`).
    error EscrowShipmentAlreadyFinanced(bytes32 shipmentId, uint256 financingId);
    /// @notice The action needs another state. `expected` has bit `1 << state` set for each state it is allowed in.
    error EscrowUnexpectedState(uint256 financingId, FinancingState current, uint256 expected);
    /// @notice The token is not on the settlement-token allowlist governance keeps.
    error EscrowTokenNotAllowed(address token);
    /// @notice The principal is zero or above 2^120 - 1.
    error EscrowInvalidAmount();
    /// @notice The fee is above `MAX_FEE_BPS`.
    error EscrowFeeTooHigh(uint16 feeBps, uint16 max);
    /// @notice The condition is not one this product can be released on.
    error EscrowInvalidCondition(Product product, Condition condition);
    /// @notice Deadlines must run now <= fundBy <= releaseBy < maturity <= now + MAX_TENOR.
    error EscrowInvalidDeadlines(uint64 fundBy, uint64 releaseBy, uint64 maturity);
    /// @notice The offer was not funded by `fundBy` and has expired.
    error EscrowOfferExpired(uint256 financingId, uint64 fundBy);
    /// @notice The offer can still be funded until `fundBy`.
    error EscrowOfferNotExpired(uint256 financingId, uint64 fundBy);
    /// @notice The shipment's monitoring was loosened (`IoTMonitor.looseningCount` went from `atOffer` to `current`) since
    /// the terms were offered: the financier offered on monitoring that is no longer in force. Cancel and offer again.
    error EscrowMonitoringLoosened(uint256 financingId, bytes32 shipmentId, uint256 atOffer, uint256 current);
    /// @notice A tax-rebate advance is funded only after full customs clearance.
    error EscrowNotCleared(bytes32 shipmentId);
    /// @notice The release condition is not met on chain.
    error EscrowConditionNotMet(uint256 financingId, Condition condition);
    /// @notice IoT alerts on the shipment are open (`IoTMonitor.openAlerts`): release waits until customs resolves
    /// them.
    error EscrowAlertsOpen(uint256 financingId, uint256 openAlerts);
    /// @notice Funds are released only until `releaseBy`; after it they are refunded.
    error EscrowReleaseDeadlinePassed(uint256 financingId, uint64 releaseBy);
    /// @notice Before `releaseBy` only the financier refunds, and only when the declaration was rejected.
    error EscrowRefundNotDue(uint256 financingId, uint64 releaseBy);
    /// @notice A financing is marked defaulted only after its maturity.
    error EscrowNotMatured(uint256 financingId, uint64 maturity);
    /// @notice Recording a paid rebate applies to tax-rebate financing only.
    error EscrowWrongProduct(uint256 financingId, Product product);
    /// @notice The transfer into the escrow did not raise its balance.
    error EscrowNothingReceived(address token);
    /// @notice The account has nothing to withdraw in this token.
    error EscrowNothingToWithdraw(address token, address account);
    /// @notice The zero address is not a recipient (nor a constructor argument).
    error EscrowZeroAddress();
    /// @notice The IoT monitor of the customs contract names another contract (`monitorEscrow`) as its escrow:
    /// deploy them as a set.
    error EscrowMonitorMismatch(address iotMonitor, address monitorEscrow);

    // ------------------------------------------------------------------ events

    /// @notice The exporter asked for financing of a shipment.
    event FinancingRequested(
        uint256 indexed financingId, bytes32 indexed shipmentId, address indexed exporter, Product product
    );
    /// @notice A financier offered terms.
    event FinancingOffered(
        uint256 indexed financingId,
        address indexed financier,
        address indexed token,
        uint128 amount,
        uint16 feeBps,
        Condition condition,
        uint64 fundBy,
        uint64 releaseBy,
        uint64 maturity
    );
    /// @notice The financier paid the principal into the escrow; `funded` is what arrived, `due` what repays it.
    event FinancingFunded(
        uint256 indexed financingId, bytes32 indexed shipmentId, address indexed financier, uint128 funded, uint128 due
    );
    /// @notice The condition was met and `amount` was credited to the exporter.
    event FinancingReleased(uint256 indexed financingId, address indexed exporter, uint128 amount);
    /// @notice `payer` paid `amount` towards the financing (credited to the financier); `repaid` of `due` so far.
    event RepaymentReceived(
        uint256 indexed financingId, address indexed payer, uint128 amount, uint128 repaid, uint128 due
    );
    /// @notice The tax authority recorded that the rebate was paid to the financier outside the escrow.
    event RebateRecorded(uint256 indexed financingId, address indexed taxAuthority, bytes32 paymentRef);
    /// @notice The funds went back to the financier (credited to it).
    event FinancingRefunded(
        uint256 indexed financingId, address indexed financier, uint128 amount, RefundReason reason
    );
    /// @notice The financing was not repaid by its maturity: the record a court or auditor reads.
    event FinancingDefaulted(
        uint256 indexed financingId,
        bytes32 indexed shipmentId,
        address indexed exporter,
        address financier,
        address token,
        uint128 outstanding,
        uint64 maturity
    );
    /// @notice The financing moved to `state`.
    event FinancingStateChanged(uint256 indexed financingId, FinancingState previous, FinancingState state);
    /// @notice `amount` of `token` became withdrawable by `account` (for `financingId`).
    event Credited(address indexed token, address indexed account, uint256 indexed financingId, uint256 amount);
    /// @notice `account` withdrew `amount` of `token` to `to`.
    event Withdrawn(address indexed token, address indexed account, address to, uint256 amount);

    // ------------------------------------------------------------------ financing

    /// @notice Ask for financing of a registered shipment. Caller: the shipment's shipper (holding SHIPPER).
    /// Refused while the shipment has an active financing. Returns the financing id.
    function request(bytes32 shipmentId, Product product) external returns (uint256 financingId);

    /// @notice Offer terms on a requested financing. Caller: a FINANCIER. The token must be allowlisted; tax-rebate
    /// financing takes condition Cleared, e-commerce ExportApproved or Cleared.
    function offer(uint256 financingId, Terms calldata terms) external;

    /// @notice Accept the offered terms. Caller: the exporter, before `fundBy`.
    function accept(uint256 financingId) external;

    /// @notice Withdraw a request or offer before funding. Caller: the exporter, or (once offered) the financier.
    function cancel(uint256 financingId) external;

    /// @notice Mark an offer not funded by `fundBy` expired. Anyone may call.
    function expire(uint256 financingId) external;

    /// @notice Pay the principal into the escrow (the caller approved it to the escrow first). Caller: the financier,
    /// by `fundBy`, while not paused. Refused if the shipment has another active financing, or if its monitoring was
    /// loosened since the offer (`EscrowMonitoringLoosened`); a tax-rebate advance needs the goods cleared. Credits
    /// what arrived; from then the shipment's monitoring is locked (`IoTMonitor`).
    function fund(uint256 financingId) external;

    /// @notice Credit the funds to the exporter once the condition is met and no IoT alert is open on the shipment,
    /// by `releaseBy`, while not paused. Anyone may call.
    function release(uint256 financingId) external;

    /// @notice Credit the funds back to the financier: by the financier once the declaration was rejected, or by
    /// anyone after `releaseBy`. Open while paused.
    function refund(uint256 financingId) external;

    /// @notice Pay up to `amount` towards a released financing (never more than is outstanding); the financing is
    /// Repaid when `due` is reached. Caller: the consignee or exporter (e-commerce), the TAX_AUTHORITY or exporter
    /// (tax rebate). Returns what arrived.
    function repay(uint256 financingId, uint256 amount) external returns (uint128 received);

    /// @notice Settle a released tax-rebate financing whose rebate was paid to the financier directly. Caller: a
    /// TAX_AUTHORITY. `paymentRef` is the payment's reference.
    function recordRebatePaid(uint256 financingId, bytes32 paymentRef) external;

    /// @notice Mark a released financing not repaid by its maturity defaulted. Anyone may call.
    function markDefaulted(uint256 financingId) external;

    /// @notice Withdraw everything credited to the caller in `token`, to `to` (which may differ from the caller, so
    /// an account the token refuses to pay can still collect). Open while paused. Returns the amount.
    function withdraw(address token, address to) external returns (uint256 amount);

    /// @notice Stop funding and releases at once (refunds, repayments and withdrawals stay open). Caller: an active
    /// port authority.
    function pause() external;

    /// @notice Lift a pause. Caller: an active port authority.
    function unpause() external;

    // ------------------------------------------------------------------ reads

    /// @notice The customs clearance contract whose declarations release funds.
    function customs() external view returns (address);

    /// @notice The token the escrow was deployed with: allowlisted unless governance refused it.
    function settlementToken() external view returns (address);

    /// @notice Whether `token` may be offered and funded: its governance parameter `settlementTokenKey(token)` is
    /// `TOKEN_ALLOWED`, or it is the settlement token and the parameter is not `TOKEN_REFUSED`.
    function isAllowlisted(address token) external view returns (bool);

    /// @notice The governance parameter key that lists or delists `token`.
    function settlementTokenKey(address token) external pure returns (bytes32);

    /// @notice A financing (state `None` if unknown).
    function getFinancing(uint256 financingId) external view returns (Financing memory);

    /// @notice The active financing of a shipment, or 0.
    function activeFinancingOf(bytes32 shipmentId) external view returns (uint256);

    /// @notice Whether the release condition of a financing is met on chain now (open IoT alerts aside: see
    /// `release`).
    function conditionMet(uint256 financingId) external view returns (bool);

    /// @notice What `account` may withdraw in `token`.
    function withdrawable(address token, address account) external view returns (uint256);

    /// @notice What the escrow owes in `token`: funds held for financings plus every credit. Its token balance is
    /// never below this.
    function totalOwed(address token) external view returns (uint256);

    /// @notice The number of financings; ids run from 1.
    function financingCount() external view returns (uint256);
}
