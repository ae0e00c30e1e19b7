# Attain — 简体中文消息。键需与 en/main.ftl 保持一致。

app-tagline = 销售绩效管理
nav-label = 主菜单
nav-home = 首页
nav-people = 人员
nav-users = 用户管理
nav-audit = 审计日志
sign-out = 退出登录
footer-version = Attain { $version }
back-home = 返回首页
save = 保存
never = 从未

login-title = 登录
login-login = 用户名
login-password = 密码
login-submit = 登录
login-failed = 用户名或密码不正确。
login-throttled = 登录失败次数过多，请 { $minutes } 分钟后再试。
login-signed-out = 您已退出登录。

home-database = 数据库
home-organisation = 组织
home-units = { $count } 个组织单元
home-people-summary = { $people } 人 · { $regions } 个大区 · { $teams } 个团队
home-fiscal-calendar = 财年日历
home-base-currency = 本位币 { $currency }
home-org-units = 组织单元
home-empty = 还没有组织单元。运行 "attain demo" 查看示例数据，或导入您的组织架构。

col-unit = 组织单元
col-kind = 类型
col-people = 人数
col-name = 姓名
col-login = 用户名
col-email = 电子邮箱
col-role = 角色
col-status = 状态
col-created = 创建时间
col-last-used = 最近使用
col-when = 时间
col-who = 操作人
col-action = 操作
col-record = 记录
col-changes = 变更内容

unit-kind-company = 公司
unit-kind-region = 大区
unit-kind-department = 部门
unit-kind-team = 团队

role-admin = 管理员
role-sales_ops = 销售运营
role-manager = 经理
role-rep = 销售代表
role-viewer = 只读用户

status-active = 启用
status-inactive = 停用

nav-deals = 商机
deals-title = 商机
deals-count = 共 { $count } 个商机
deals-empty = 没有符合条件的商机。
status-all = 全部
deal-status-open = 进行中
deal-status-won = 赢单
deal-status-lost = 输单
col-deal = 商机
col-customer = 客户
col-owner = 负责人
col-stage = 销售阶段
col-amount = 金额
col-close = 成交日期
page-prev = ← 较新
page-next = 较早 →

people-title = 人员
people-scope-all = 您可以查看组织内的所有人员。
people-scope-subtree = 您可以查看 { $unit } 及其下属单元的人员。
people-scope-own = 您只能查看自己的记录。

account-title = 我的账户
account-profile = 个人资料
account-language = 语言
language-follow-browser = 跟随浏览器
language-saved = 语言偏好已保存。

password-title = 修改密码
password-change-link = 修改密码
password-current = 当前密码
password-new = 新密码
password-confirm = 再次输入新密码
password-policy = 至少 10 个字符，包含多种不同字符，且不包含用户名。
password-must-change = 请先设置您自己的密码再继续。
password-mismatch = 两次输入的新密码不一致。
password-wrong-current = 当前密码不正确。
password-changed = 密码已修改，其他会话已退出登录。

tokens-title = API 令牌
tokens-help = 脚本以 "Authorization: Bearer <令牌>" 发送令牌。令牌拥有与您相同的权限。
tokens-empty = 您还没有 API 令牌。
token-name = 令牌名称
token-create = 创建令牌
token-created-once = 请立即复制此令牌，它不会再次显示。
token-revoke = 吊销
token-revoked = 已吊销
token-revoked-notice = 令牌已吊销。

users-title = 用户管理
users-create = 添加用户
users-created = 用户已创建。
users-updated = 用户已更新。
users-reset-password = 重置密码
users-one-time = { $login } 的一次性密码（首次登录时须修改）：

password-too-short = 密码至少需要 10 个字符。
password-too-long = 密码最多 256 个字符。
password-too-few-distinct = 密码需要包含更多不同的字符。
password-contains-login = 密码不能包含您的用户名。
password-same-as-current = 新密码不能与当前密码相同。
rejected-login-taken = 用户名 { $login } 已被使用。
rejected-unknown-unit = 组织单元 { $unit } 不存在。
rejected-empty-name = 姓名不能为空。
rejected-self-lockout = 您不能取消自己的管理员权限。
rejected-bad-login = "{ $login }" 不是有效的用户名：请使用字母、数字、"."、"_"、"-" 或 "@"。
rejected-bad-role = 请选择列表中的角色。

audit-title = 审计日志
audit-filter-entity = 记录类型
audit-all = 全部
audit-filter = 显示
audit-empty = 没有记录。
audit-older = 更早的记录
action-create = 创建
action-update = 修改
action-delete = 删除

error-page-not-found-title = 页面不存在
error-page-not-found-message = 此地址没有页面，可能已移动，或链接有误。
error-not-found-title = 未找到
error-not-found-message = 您要找的内容不存在，或您无权查看。
error-forbidden-title = 无权操作
error-forbidden-message = 您的角色不允许此操作。如需权限，请联系管理员。
error-unavailable-title = 暂时无法使用
error-unavailable-message = 数据库暂时无法响应，请稍后再试。
error-internal-title = 出错了
error-internal-message = 页面无法显示，错误已记录。
error-csrf-title = 请求被拒绝
error-csrf-message = 此表单来自其他网站或已过期。请刷新页面后重试。
