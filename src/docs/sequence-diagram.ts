/**
 * 功能时序图: the payment flow as a Mermaid sequence diagram. The README carries the same text
 * (a test keeps them equal); the reference page renders it in the browser with the `mermaid`
 * bundle served from node_modules.
 */
export const PAYMENT_SEQUENCE_DIAGRAM = `sequenceDiagram
    autonumber
    participant M as 商户 Merchant server
    participant G as paygate
    participant P as 渠道 Provider
    participant U as 付款人 Payer
    M->>G: POST /v1/auth/token (获取Token)
    G-->>M: access_token
    M->>G: POST /v1/payments/create (订单创建)
    G->>G: route by priority and weight, skip open circuits
    G->>P: create the payment (next channel on failure)
    P-->>G: channel_trade_no, pay_url
    G-->>M: 201 order PENDING with pay_url
    M-->>U: send the payer to pay_url
    U->>P: pay
    P->>G: POST /v1/notify/{channel_code} (signed notification)
    G->>G: verify signature and amount, PENDING to SUCCEEDED
    G-->>P: success
    G->>M: webhook payment.succeeded (Paygate-Signature)
    M-->>G: 2xx
    M->>G: GET /v1/payments?order_id=… (订单查询)
    G->>G: daily clearing run: ledger to bills (清算)
    M->>G: GET /v1/clearing/bills?date=… (账单查询)`;
