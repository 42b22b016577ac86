/**
 * Every error paygate answers with: its stable `reason`, HTTP status and message in English and
 * Chinese. `reason` values never change once published. The filter, the OpenAPI document and
 * the reference page's error table are all generated from this one table, so a reason cannot
 * exist without a status and both messages (the `satisfies` clause makes that a compile error).
 *
 * `{name}` in a message is replaced by the error's parameter of that name.
 */
export interface ErrorSpec {
  status: number;
  en: string;
  zh: string;
}

export const ERROR_CATALOGUE = {
  // --- request shape (common) ---
  validation_failed: {
    status: 400,
    en: 'The request is invalid: {detail}',
    zh: '请求参数不合法：{detail}',
  },
  malformed_body: {
    status: 400,
    en: 'The request body could not be parsed: {detail}',
    zh: '请求体无法解析：{detail}',
  },
  invalid_amount: {
    status: 400,
    en: '{field} must be an integer count of minor units from 1 to 1000000000000 (1000 means 10.00 CNY)',
    zh: '{field} 必须是以最小货币单位（分）表示的整数，范围 1 到 1000000000000（1000 表示 10.00 元）',
  },
  invalid_currency: {
    status: 400,
    en: '{field} must be an upper-case ISO 4217 currency code such as CNY',
    zh: '{field} 必须是大写的 ISO 4217 币种代码，例如 CNY',
  },
  invalid_cursor: {
    status: 400,
    en: 'The cursor is not one this list handed out',
    zh: '分页游标无效',
  },
  invalid_idempotency_key: {
    status: 400,
    en: 'Idempotency-Key must be 1 to 255 printable ASCII characters',
    zh: 'Idempotency-Key 必须是 1 到 255 个可打印 ASCII 字符',
  },

  // --- authentication and authorisation ---
  unauthenticated: {
    status: 401,
    en: 'A valid access token is required (Authorization: Bearer <token> or access_token header)',
    zh: '需要有效的访问令牌（Authorization: Bearer <token> 或 access_token 请求头）',
  },
  token_expired: { status: 401, en: 'The access token has expired', zh: '访问令牌已过期' },
  token_revoked: {
    status: 401,
    en: 'The credential of this access token has been revoked',
    zh: '该访问令牌所属的凭证已被吊销',
  },
  invalid_client: {
    status: 401,
    en: 'Client authentication failed: unknown client_id or wrong client_secret',
    zh: '客户端认证失败：client_id 不存在或 client_secret 错误',
  },
  unsupported_grant_type: {
    status: 400,
    en: 'grant_type must be client_credentials',
    zh: 'grant_type 必须为 client_credentials',
  },
  forbidden: {
    status: 403,
    en: 'This credential is not allowed to do that',
    zh: '当前凭证无权执行该操作',
  },
  source_id_mismatch: {
    status: 403,
    en: 'source_id {source_id} is not the merchant of this access token',
    zh: 'source_id {source_id} 与访问令牌所属商户不一致',
  },
  merchant_suspended: {
    status: 403,
    en: 'The merchant is suspended',
    zh: '商户已被停用',
  },

  // --- console: people's accounts and browser sessions ---
  invalid_credentials: {
    status: 401,
    en: 'The email or password is wrong',
    zh: '邮箱或密码错误',
  },
  totp_required: {
    status: 401,
    en: 'This account uses two-factor authentication: send the 6-digit code (totp) or a recovery code',
    zh: '该账号已启用双因素认证：请提供 6 位动态码（totp）或恢复码',
  },
  invalid_totp: {
    status: 401,
    en: 'The two-factor code is wrong, expired or already used',
    zh: '双因素动态码错误、已过期或已被使用',
  },
  session_expired: {
    status: 401,
    en: 'The console session has ended (logged out, timed out, or the account changed); log in again',
    zh: '控制台会话已失效（已退出、超时或账号已变更），请重新登录',
  },
  csrf_failed: {
    status: 403,
    en: 'A change made with the session cookie needs the paygate_csrf cookie value in the X-CSRF-Token header',
    zh: '使用会话 Cookie 的修改请求必须在 X-CSRF-Token 请求头中携带 paygate_csrf Cookie 的值',
  },
  password_change_required: {
    status: 403,
    en: 'Change your password first (PUT /v1/console/session/password)',
    zh: '请先修改密码（PUT /v1/console/session/password）',
  },
  weak_password: {
    status: 400,
    en: 'The password is too weak: {problem}',
    zh: '密码强度不足：{problem}',
  },
  user_not_found: { status: 404, en: 'No such console user', zh: '控制台用户不存在' },
  email_taken: {
    status: 409,
    en: 'A console user with this email already exists',
    zh: '该邮箱已被其他控制台用户使用',
  },
  last_owner: {
    status: 409,
    en: 'This would leave {scope} without an active owner',
    zh: '该操作会使{scope}没有可用的所有者（owner）',
  },
  own_account: {
    status: 409,
    en: 'You cannot change your own role or status, or delete yourself; ask another owner',
    zh: '不能修改自己的角色或状态，也不能删除自己，请联系其他所有者',
  },

  // --- merchants ---
  invalid_notify_url: {
    status: 400,
    en: 'notify_url {problem}',
    zh: 'notify_url 不合法：{problem}',
  },
  merchant_not_found: { status: 404, en: 'No such merchant', zh: '商户不存在' },
  credential_not_found: { status: 404, en: 'No such credential', zh: '凭证不存在' },
  credential_limit_reached: {
    status: 422,
    en: 'The merchant already has {limit} active credentials; revoke one before adding another',
    zh: '该商户已有 {limit} 个有效凭证，请先吊销一个再新增',
  },

  // --- channels ---
  channel_not_found: { status: 404, en: 'No such channel', zh: '渠道不存在' },
  channel_deleted: {
    status: 410,
    en: 'The channel {code} has been deleted',
    zh: '渠道 {code} 已删除',
  },
  channel_code_taken: {
    status: 409,
    en: 'A live channel with the code {code} already exists',
    zh: '已存在编码为 {code} 的渠道',
  },
  invalid_signature: {
    status: 401,
    en: 'The signature of this link or request is not valid',
    zh: '链接或请求的签名无效',
  },
  payment_link_expired: {
    status: 400,
    en: 'This payment link has expired',
    zh: '支付链接已过期',
  },

  // --- payments ---
  order_not_found: { status: 404, en: 'No such order', zh: '订单不存在' },
  refund_not_found: { status: 404, en: 'No such refund', zh: '退款不存在' },
  duplicate_merchant_order_no: {
    status: 409,
    en: 'merchant_order_no {merchant_order_no} is already used by an order with other fields',
    zh: '商户订单号 {merchant_order_no} 已被另一笔参数不同的订单使用',
  },
  duplicate_merchant_refund_no: {
    status: 409,
    en: 'merchant_refund_no {merchant_refund_no} is already used by another refund',
    zh: '商户退款单号 {merchant_refund_no} 已被另一笔退款使用',
  },
  no_channel_available: {
    status: 422,
    en: 'No channel can take this order: {detail}',
    zh: '没有可用的支付渠道：{detail}',
  },
  refund_exceeds_amount: {
    status: 422,
    en: 'The refund exceeds what is left to refund ({available} minor units)',
    zh: '退款金额超过可退金额（{available}，最小货币单位）',
  },
  channel_unavailable: {
    status: 503,
    en: 'The payment channel did not answer; retry after {retry_after} seconds',
    zh: '支付渠道暂时无响应，请 {retry_after} 秒后重试',
  },
  notification_rejected: {
    status: 401,
    en: 'The notification could not be verified',
    zh: '通知验签失败',
  },

  invalid_return_url: {
    status: 400,
    en: 'return_url {problem}',
    zh: 'return_url 不合法：{problem}',
  },

  // --- cashier (收银台) and static codes (商户码) ---
  cashier_link_not_found: {
    status: 404,
    en: 'This payment link does not exist; ask the merchant for a new one',
    zh: '该支付链接不存在，请向商户索取新的链接',
  },
  cashier_link_expired: {
    status: 410,
    en: 'This payment link has expired; ask the merchant for a new one',
    zh: '该支付链接已过期，请向商户索取新的链接',
  },
  wallet_unavailable: {
    status: 422,
    en: 'This order cannot be paid with {wallet} now',
    zh: '该订单暂不支持使用{wallet}支付',
  },
  checkout_started_elsewhere: {
    status: 409,
    en: 'This order was started with {wallet} in another way (a QR code on another screen?); finish it there or choose another wallet',
    zh: '该订单已通过其他方式发起{wallet}支付（例如另一屏幕上的二维码），请在那里完成支付或选择其他支付方式',
  },
  oauth_state_invalid: {
    status: 403,
    en: 'This sign-in did not start in this browser; open the payment link again',
    zh: '授权请求并非由当前浏览器发起，请重新打开支付链接',
  },
  qr_code_not_found: { status: 404, en: 'No such QR code', zh: '收款码不存在' },
  qr_code_disabled: {
    status: 410,
    en: 'This QR code no longer takes payments',
    zh: '该收款码已停用',
  },
  amount_out_of_range: {
    status: 400,
    en: 'The amount must be from {min} to {max} {currency}',
    zh: '金额须在 {min} 至 {max} {currency} 之间',
  },
  invalid_payer_amount: {
    status: 400,
    en: 'Enter the amount in {currency} with at most {digits} decimals, e.g. {example}',
    zh: '请输入以{currency}为单位的金额，最多 {digits} 位小数，例如 {example}',
  },

  // --- webhooks ---
  event_not_found: { status: 404, en: 'No such event', zh: '事件不存在' },

  // --- clearing ---
  invalid_date: {
    status: 400,
    en: '{field} must be a real calendar date written YYYY-MM-DD',
    zh: '{field} 必须是格式为 YYYY-MM-DD 的有效日期',
  },
  date_in_future: {
    status: 400,
    en: 'The settlement date {date} has not begun yet in {time_zone}',
    zh: '清算日 {date} 在 {time_zone} 时区尚未开始',
  },
  bill_not_found: { status: 404, en: 'No such bill', zh: '账单不存在' },
  journal_entry_not_found: { status: 404, en: 'No such journal entry', zh: '会计分录不存在' },
  entry_already_reversed: {
    status: 409,
    en: 'The journal entry {entry_id} has already been reversed',
    zh: '会计分录 {entry_id} 已被冲正',
  },
  entry_not_reversible: {
    status: 409,
    en: 'A {kind} entry cannot be reversed; reverse the entry it corrects instead',
    zh: '{kind} 类型的分录不能冲正，请冲正其所更正的原分录',
  },
  statement_unavailable: {
    status: 422,
    en: 'The channel has no statement for {date}: {detail}',
    zh: '渠道没有 {date} 的对账单：{detail}',
  },

  // --- resources ---
  not_found: { status: 404, en: 'No such resource', zh: '资源不存在' },
  route_not_found: {
    status: 404,
    en: 'No route for {method} {path}',
    zh: '接口不存在：{method} {path}',
  },
  method_not_allowed: {
    status: 405,
    en: '{method} is not allowed here; allowed: {allow}',
    zh: '该接口不支持 {method} 方法，支持：{allow}',
  },
  not_acceptable: {
    status: 406,
    en: 'This endpoint answers {produces}; the Accept header excludes it',
    zh: '该接口返回 {produces}，但 Accept 请求头不接受该类型',
  },
  invalid_state: {
    status: 409,
    en: 'The {resource} is {state}; that is not possible now',
    zh: '{resource} 当前状态为 {state}，无法执行该操作',
  },
  idempotency_in_progress: {
    status: 409,
    en: 'A request with this Idempotency-Key is still being processed; retry later',
    zh: '使用该 Idempotency-Key 的请求仍在处理中，请稍后重试',
  },
  payload_too_large: {
    status: 413,
    en: 'The request body is larger than {limit} bytes',
    zh: '请求体超过 {limit} 字节上限',
  },
  unsupported_media_type: {
    status: 415,
    en: 'Send application/json or application/x-www-form-urlencoded',
    zh: '请求体类型只支持 application/json 或 application/x-www-form-urlencoded',
  },
  im_a_teapot: { status: 418, en: "I'm a teapot", zh: '我是一个茶壶' },
  idempotency_key_reused: {
    status: 422,
    en: 'This Idempotency-Key was used with a different request',
    zh: '该 Idempotency-Key 已用于另一个不同的请求',
  },
  rate_limited: {
    status: 429,
    en: 'Too many requests; retry after {retry_after} seconds',
    zh: '请求过于频繁，请 {retry_after} 秒后重试',
  },

  // --- http (requests refused before any route reads them) ---
  malformed_url: {
    status: 400,
    en: 'The URL could not be read: {detail}',
    zh: 'URL 无法解析：{detail}',
  },
  malformed_request: {
    status: 400,
    en: 'The HTTP request could not be parsed',
    zh: 'HTTP 请求无法解析',
  },
  request_timeout: {
    status: 408,
    en: 'The request did not arrive in time',
    zh: '请求未能在限定时间内送达',
  },
  headers_too_large: {
    status: 431,
    en: 'The request line and headers are larger than {limit} bytes',
    zh: '请求行与请求头超过 {limit} 字节上限',
  },
  too_many_connections: {
    status: 429,
    en: 'Too many open connections from this address (at most {limit}); reuse or close some and retry',
    zh: '来自该地址的并发连接过多（最多 {limit} 个），请复用或关闭部分连接后重试',
  },

  // --- server ---
  internal_error: {
    status: 500,
    en: 'Something went wrong on our side; quote the request id if you contact us',
    zh: '服务器内部错误，如需联系我们请提供 request_id',
  },
  maintenance: {
    status: 503,
    en: 'paygate is under maintenance; retry after {retry_after} seconds',
    zh: '系统维护中，请 {retry_after} 秒后重试',
  },
  unavailable: {
    status: 503,
    en: 'The service is temporarily unavailable; retry after {retry_after} seconds',
    zh: '服务暂时不可用，请 {retry_after} 秒后重试',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorReason = keyof typeof ERROR_CATALOGUE;

export function errorSpec(reason: ErrorReason): ErrorSpec {
  return ERROR_CATALOGUE[reason];
}
