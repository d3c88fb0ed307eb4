package http

// securityMessages are the catalogue entries of the login's second step,
// the account pages (password, second factor) and the audit page.
var securityMessages = map[string][2]string{
	"nav.account": {"账户安全", "Account security"},
	"nav.audit":   {"审计日志", "Audit log"},

	"login.expired":     {"会话已超时或已在别处登录，请重新登录。", "Your session timed out or was ended by a login elsewhere; log in again."},
	"login.otp.title":   {"双因素认证", "Second factor"},
	"login.otp.help":    {"请输入身份验证器应用中显示的 6 位动态验证码，或一个恢复码。", "Enter the 6-digit code your authenticator app shows, or a recovery code."},
	"login.otp.code":    {"验证码", "Code"},
	"login.otp.expired": {"登录已超时，请重新输入用户名和密码。", "The login timed out; enter your user name and password again."},

	"account.password.title":   {"修改密码", "Change password"},
	"account.password.expired": {"您的密码已过期，请先修改密码，再继续使用系统。", "Your password has expired; change it before you go on."},
	"account.password.rule":    {"新密码至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类，且不能与当前密码相同。", "The new password needs at least 8 characters, three of lower case, upper case, digits and symbols, and must differ from the current one."},
	"account.password.age":     {"密码有效期为 %d 天。", "Passwords last %d days."},
	"account.password.current": {"当前密码", "Current password"},
	"account.password.new":     {"新密码", "New password"},
	"account.password.confirm": {"再次输入新密码", "New password again"},
	"account.password.submit":  {"修改密码", "Change the password"},
	"account.password.ok":      {"密码已修改，其他登录已全部退出。", "The password was changed; every other login has ended."},

	"account.2fa.title":    {"双因素认证", "Second factor (2FA)"},
	"account.2fa.required": {"您的角色必须启用双因素认证后才能继续使用系统。", "Your role must enrol a second factor before going on."},
	"account.2fa.on":       {"已启用双因素认证：登录时需输入身份验证器中的动态验证码。", "A second factor is enrolled: logging in asks for the code from your authenticator app."},
	"account.2fa.help":     {"在身份验证器应用（如 FreeOTP、Google Authenticator、Microsoft Authenticator）中添加账户：输入下面的密钥（基于时间），或导入 otpauth 链接，然后输入应用显示的 6 位验证码确认。", "Add an account in an authenticator app (FreeOTP, Google Authenticator, Microsoft Authenticator…): type the secret below (time-based) or import the otpauth link, then confirm with the 6-digit code the app shows."},
	"account.2fa.secret":   {"密钥", "Secret"},
	"account.2fa.uri":      {"otpauth 链接", "otpauth link"},
	"account.2fa.code":     {"验证码", "Code"},
	"account.2fa.enrol":    {"启用双因素认证", "Enrol"},
	"account.2fa.wrong":    {"验证码不正确，请确认手机时间准确后重试。", "The code is wrong; check the phone's clock and try again."},
	"account.2fa.codes":    {"恢复码（只显示这一次，请打印或抄写后妥善保管；每个只能使用一次，手机丢失时用于登录）：", "Recovery codes (shown this once: print or copy them and keep them safe; each works once, for when the phone is lost):"},
	"account.2fa.disable":  {"停用双因素认证", "Remove the second factor"},
	"account.2fa.badpw":    {"密码不正确。", "The password is wrong."},
	"account.2fa.mustkeep": {"您的角色必须使用双因素认证；手机丢失时请联系安全管理员重置。", "Your role requires a second factor; if the phone is lost, ask the security administrator to reset it."},
	"account.2fa.password": {"当前密码", "Current password"},

	"audit.title":  {"审计日志", "Audit log"},
	"audit.help":   {"审计日志只增不改，各条目以哈希链相连，任何修改或删除都会被校验发现。日志全部保存（不少于六个月）。时间为北京时间。", "The audit log is append-only and hash-chained: verification finds any change or deletion. Every entry is kept (six months and more). Times are Beijing time."},
	"audit.type":   {"类型", "Type"},
	"audit.actor":  {"操作人", "Actor"},
	"audit.from":   {"起始日期", "From"},
	"audit.to":     {"截止日期", "To"},
	"audit.filter": {"筛选", "Filter"},
	"audit.verify": {"校验哈希链", "Verify the chain"},
	"audit.ok":     {"哈希链完好，共 %d 条。", "The chain holds: %d entries."},
	"audit.seq":    {"序号", "No."},
	"audit.at":     {"时间", "Time"},
	"audit.object": {"对象", "Object"},
	"audit.result": {"结果", "Result"},
	"audit.change": {"内容", "Change"},
	"audit.none":   {"没有符合条件的记录。", "No entries match."},
	"audit.next":   {"下一页", "Next page"},
	"audit.first":  {"从头查看", "From the start"},
}

func init() {
	for k, v := range securityMessages {
		messages[k] = v
	}
}
