# Attain — English messages. Keep the keys in step with zh-CN/main.ftl.

app-tagline = Sales performance management
nav-label = Main
nav-home = Home
nav-people = People
nav-users = Users
nav-audit = Audit log
sign-out = Sign out
footer-version = Attain { $version }
back-home = Back to the home page
save = Save
never = never

login-title = Sign in
login-login = Login
login-password = Password
login-submit = Sign in
login-failed = The login or password is not correct.
login-throttled = Too many failed sign-ins. Try again in { $minutes } minutes.
login-signed-out = You have signed out.

home-database = Database
home-organisation = Organisation
home-units = { $count } units
home-people-summary = { $people } people · { $regions } regions · { $teams } teams
home-fiscal-calendar = Fiscal calendar
home-base-currency = base currency { $currency }
home-org-units = Org units
home-empty = No org units yet. Run "attain demo" for a populated instance, or import your organisation.

col-unit = Unit
col-kind = Kind
col-people = People
col-name = Name
col-login = Login
col-email = E-mail
col-role = Role
col-status = Status
col-created = Created
col-last-used = Last used
col-when = When
col-who = Who
col-action = Action
col-record = Record
col-changes = Changes

unit-kind-company = Company
unit-kind-region = Region
unit-kind-department = Department
unit-kind-team = Team

role-admin = Administrator
role-sales_ops = Sales operations
role-manager = Manager
role-rep = Sales rep
role-viewer = Viewer

status-active = Active
status-inactive = Inactive

nav-deals = Deals
deals-title = Deals
deals-count = { $count } deals
deals-empty = No deals match.
status-all = All
deal-status-open = Open
deal-status-won = Won
deal-status-lost = Lost
col-deal = Deal
col-customer = Customer
col-owner = Owner
col-stage = Stage
col-amount = Amount
col-close = Close date
page-prev = ← Newer
page-next = Older →

people-title = People
people-scope-all = You see everyone in the organisation.
people-scope-subtree = You see the people of { $unit } and the units below it.
people-scope-own = You see your own record.

account-title = My account
account-profile = Profile
account-language = Language
language-follow-browser = Follow my browser
language-saved = Your language preference was saved.

password-title = Change password
password-change-link = Change password
password-current = Current password
password-new = New password
password-confirm = New password again
password-policy = At least 10 characters, several different ones, not containing your login.
password-must-change = Please choose your own password before you continue.
password-mismatch = The two new passwords differ.
password-wrong-current = The current password is not correct.
password-changed = Your password was changed. Other sessions were signed out.

tokens-title = API tokens
tokens-help = Scripts send a token as "Authorization: Bearer <token>". A token acts with your rights.
tokens-empty = You have no API tokens.
token-name = Token name
token-create = Create token
token-created-once = Copy this token now. It will not be shown again.
token-revoke = Revoke
token-revoked = Revoked
token-revoked-notice = The token was revoked.

users-title = Users
users-create = Add a user
users-created = The user was created.
users-updated = The user was updated.
users-reset-password = Reset password
users-one-time = One-time password for { $login } (to be changed at first sign-in):

password-too-short = The password must have at least 10 characters.
password-too-long = The password must have at most 256 characters.
password-too-few-distinct = The password needs more different characters.
password-contains-login = The password must not contain your login.
password-same-as-current = The new password must differ from the current one.
rejected-login-taken = The login { $login } is already taken.
rejected-unknown-unit = Org unit { $unit } does not exist.
rejected-empty-name = The name must not be empty.
rejected-self-lockout = You cannot remove your own administrator access.
rejected-bad-login = "{ $login }" is not a valid login: use letters, digits, ".", "_", "-" or "@".
rejected-bad-role = Choose one of the listed roles.

audit-title = Audit log
audit-filter-entity = Record type
audit-all = All
audit-filter = Show
audit-empty = No entries.
audit-older = Older entries
action-create = Created
action-update = Changed
action-delete = Deleted

error-page-not-found-title = Page not found
error-page-not-found-message = There is no page at this address. It may have moved, or the link may be mistyped.
error-not-found-title = Not found
error-not-found-message = What you were looking for does not exist, or you may not see it.
error-forbidden-title = Not allowed
error-forbidden-message = Your role does not allow this. Ask an administrator if you need access.
error-unavailable-title = Temporarily unavailable
error-unavailable-message = The database could not answer. Please try again in a moment.
error-internal-title = Something went wrong
error-internal-message = The page could not be shown. The error has been logged.
error-csrf-title = Request refused
error-csrf-message = This form was sent from another site or has expired. Reload the page and try again.
