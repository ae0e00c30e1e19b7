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
token-expires = Expires
token-expired = Expired
token-never-expires = Never
token-lifetime-30d = In 30 days
token-lifetime-90d = In 90 days
token-lifetime-1y = In one year
password-tokens-question = You have { $count } API tokens that work. After the change:
password-tokens-keep = Keep them working (my scripts keep running)
password-tokens-revoke = Revoke them all (my old password may be known to someone)
token-revoked-notice = The token was revoked.

users-title = Users
users-create = Add a user
users-created = The user was created.
users-updated = The user was updated.
users-unit-from = unit from
users-unit-from-hint = A new unit's first day (empty: today). Team figures may credit his earlier sales to his old unit: see the unit_credit setting.
users-unit-from-bad = The date a move takes effect must be a date such as 2026-10-15.
users-reset-password = Reset password
users-reset-done = The password of { $login } was reset: every session is signed out, and API tokens revoked: { $tokens }.
users-one-time = One-time password for { $login } (to be changed at first sign-in):

password-too-short = The password must have at least 10 characters.
password-too-long = The password must have at most 256 characters.
password-too-common = This password is one of the first any attacker tries. Choose another.
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
error-invalid-title = This cannot be done
error-forbidden-title = Not allowed
error-forbidden-message = Your role does not allow this. Ask an administrator if you need access.
error-unavailable-title = Temporarily unavailable
error-unavailable-message = The database could not answer. Please try again in a moment.
error-internal-title = Something went wrong
error-internal-message = The page could not be shown. The error has been logged.
error-csrf-title = Request refused
error-csrf-message = This form was sent from another site or has expired. Reload the page and try again.

## Import
nav-import = Import
import-title = Import data
import-intro = Bring deals, orders, customers and the rest from Zoho CRM, Salesforce, Fxiaoke 纷享销客, HubSpot or a spreadsheet. Nothing is written until you have seen the check and confirmed; a file with any problem is not imported at all.
import-entity = What the file holds
import-preset = Exported by
import-file = File
import-create-owners = Add owners Attain does not know, as reps in an "Imported" team
import-check = Upload and check
import-formats-title = Files Attain reads
import-formats = CSV with any delimiter, in UTF-8 (with or without BOM) or GBK/GB18030 as Chinese Excel saves it, and Excel workbooks (.xlsx, first sheet). Column names are matched to the CRM's own labels; you can change every choice on the next page.
import-error-upload = The upload failed: { $reason }
import-error-choose = Choose what the file holds and which system exported it.
import-error-too-large = The file is larger than the upload limit of { $limit }. Split it into smaller files, or ask an administrator to raise the limit (attain serve --upload-limit).
import-error-no-file = Choose a file to upload.
import-preview-title = Check the import
import-dry-run-ok = All { $rows } rows passed the check ({ $records } records). Nothing has been written yet.
import-owners-to-create = Owners to be created: { $names }
import-confirm = Import { $records } records
import-problems = Problems found: { $count }. Nothing will be imported until the file is fixed.
import-problems-more = …and { $count } more.
import-mapping-title = Columns
import-field = Attain field
import-column = Column in the file
import-sample = First values
import-required-or = required, or { $fields }
import-required = required
import-not-in-file = — not in this file —
import-recheck = Check again with these columns
import-discard = Discard this upload
import-done-title = Import finished
import-done = { $file }: { $rows } rows imported in one transaction.
import-created = created
import-updated = updated or unchanged
import-lines = Order lines
import-customers-created = Customers created
import-owners-created = Owners created
import-another = Import another file
entity-deals = Deals
entity-orders = Orders (one row per line)
entity-customers = Customers
entity-contacts = Contacts
entity-products = Products
entity-payments = Payments received
entity-refunds = Refunds
entity-activities = Activities
entity-tickets = Service tickets
entity-surveys = Survey responses (CSAT, NPS)
entity-spend = Marketing and sales spend
entity-enrolments = Training enrolments
entity-market-sizes = Market sizes
entity-exchange-rates = Exchange rates
preset-generic = Spreadsheet (Attain's column names)
preset-zoho = Zoho CRM
preset-salesforce = Salesforce
preset-fxiaoke = Fxiaoke 纷享销客
preset-hubspot = HubSpot

## KPI explorer
nav-kpi = KPIs
kpi-title = KPI explorer
kpi-metric = Metric
kpi-period = Period
kpi-scope = Scope
kpi-by = Break down by
kpi-show = Show
kpi-row = Breakdown
kpi-value = Value
kpi-total = Total
kpi-scope-company = Whole company
kpi-by-none = — no breakdown —
kpi-by-rep = Person
kpi-by-unit = Unit one level down
kpi-by-team = Team
kpi-by-region = Region
kpi-by-month = Month
kpi-by-week = Week
kpi-by-quarter = Quarter
kpi-error-scope = You cannot see the scope { $scope }; showing your own.
kpi-error-period = The period is not valid: { $reason }
kpi-error-metric = There is no metric { $metric }.
kpi-by-segment = Customer segment
kpi-by-channel = Source channel
kpi-by-industry = Industry
kpi-by-product = Product
kpi-by-category = Product category
entity-competitors = Competitors
entity-territories = Territories
entity-courses = Training courses

nav-goals = Goals
goals-title = Goals
goals-empty = No goals in this period that you may see.
goals-new = Set a goal
goals-create = Set goal
goal-goal = Goal
goal-metric = Metric
goal-scope = Scope
goal-period = Period
goal-target = Target
goal-actual = Actual
goal-attainment = Attainment
goal-expected = Where it should be today
goal-projected = Projected landing
goal-direction = Direction
goal-direction-default = The metric's own
goal-direction-at_least = At least
goal-direction-at_most = At most
goal-name = Name (optional)
goal-parent = Parent goal
goal-parts = Parts
goal-split-how = Split
goal-created-by = Set by
goal-status-problem = Cannot be measured
goal-status-none = No data
goal-status-not_started = Not started
goal-status-on_track = On track
goal-status-at_risk = At risk
goal-status-off_track = Off track
goal-status-achieved = Achieved
goal-status-missed = Missed
goal-revise = Revise target
goal-new-target = New target
goal-old-target = Old target
goal-reason = Reason
goal-split = Split
goal-split-into = Into
goal-split-units = Units one level down
goal-split-reps = Reps
goal-split-months = Months
goal-split-method = Method
goal-method-history = By history (months: by season)
goal-method-equal = Equally
goal-method-weights = By weights
goal-split-basis = Basis period (history)
goal-split-weights = Weights, one "part=weight" per line
goal-checkin = Check in
goal-confidence = Confidence (%)
goal-comment = Comment
goal-revisions = Revisions
goal-no-revisions = The target has not been revised.
goal-checkins = Check-ins
goal-no-checkins = No check-ins yet.
goal-delete = Delete this goal and its parts
goal-done-revised = The target was revised; its parts follow in proportion.
goal-done-split = The goal was split; the parts add up to it exactly.
goal-done-checkin = Your check-in was saved.
goal-done-created = The goal was set.
goal-error-forbidden = Your role does not let you change this goal.
goal-error-invalid = Not saved: { $reason }
smart-title = SMART check
smart-specific = Specific
smart-measurable = Measurable
smart-achievable = Achievable
smart-relevant = Relevant
smart-time-bound = Time-bound
smart-pass = holds
smart-warn = check
smart-fail = fails
smart-concrete = The metric is defined and the scope names who or what.
smart-inactive-person = The scope names a person who is no longer active.
smart-has-data = The metric has values for this scope in the data.
smart-no-data = There is no value of this metric for this scope in the past year.
smart-growth = It needs { $required } % on the same period last year ({ $last_year }); { $reached } of { $windows } comparable past periods grew that much.
smart-level = { $reached } of { $windows } comparable past periods reached this level.
smart-no-history = There is no history to compare the target with.
smart-child-of = It is a part of goal { $goal }.
smart-company-objective = It is a company objective.
smart-unlinked = It is linked to no parent goal and is not a company goal.
smart-period = It has a period; { $plural ->
    [one] one day is left.
   *[other] { $days } days are left.
}
smart-ended = Its period is over.
smart-probability = Estimated probability: { $percent } %.
goal-confidence-value = confidence { $percent } %

nav-pay = Pay
pay-title = Commission
pay-runs = Payout runs
pay-statements = Statements
pay-total = Total
pay-recalculate = Recalculate
pay-approve = Approve
pay-lock = Lock
pay-export = Payroll CSV
pay-run-period = Period to calculate
pay-calculate = Calculate
pay-none = No statements you may see.
pay-person = Person
pay-plan = Plan
pay-credited = Credited
pay-quota = Quota
pay-commission = Commission
pay-status-draft = Draft
pay-status-approved = Approved
pay-status-locked = Locked
pay-credited-metric = Credited ({ $metric })
pay-quota-goal = { $quota }, the target of goal { $goal }
pay-quota-prorated = { $quota } = goal { $goal } ({ $period }, { $target }) × { $days } / { $of_days } days
pay-quota-none = No quota: the base rate applies to everything credited
pay-calculation = Calculation
pay-tier = Tier (attainment)
pay-slice = Slice credited
pay-rate = Rate
pay-amount = Amount
pay-earned = Earned
pay-band = { $from } to { $to }
pay-band-open = from { $from }
pay-note-no-quota = No quota was set for this period, so everything credited earns the first tier's rate.
pay-note-threshold = Attainment stayed below the threshold of { $threshold }, so nothing is paid this period.
pay-note-cap = The cap of { $cap } per period took { $capped_by } off.
pay-statement-heading = Statement of { $person }, { $period }
pay-error-forbidden = Only sales operations and administrators run payouts.

api-error-unauthorized = Sign in, or send an API token as 'Authorization: Bearer atn_…'.
api-error-forbidden = Your role does not allow this.
api-error-not-found = It does not exist, or you may not see it.
api-error-csrf = Missing or wrong CSRF token for a cookie-authenticated request.
api-error-throttled = Too many failed sign-ins; try again later.
api-error-internal = Internal error.
api-error-bad-request = The request could not be understood.
api-error-bad-field = The value of { $field } could not be understood.
api-error-invalid = The request was refused by the rules; details.reason says why.
api-error-conflict = This conflicts with what is stored; details.reason says why.
api-error-import-rejected = { $count } problem(s) in the data; nothing was stored.
api-error-weak-password = The password does not meet the password policy.

audit-entity-user = User
audit-entity-api_token = API token
audit-entity-org_unit = Org unit
audit-entity-metric = Custom metric
audit-entity-goal = Goal
audit-entity-plan = Commission plan
audit-entity-plan_assignment = Plan assignment
audit-entity-payout_run = Payout run
audit-entity-statement = Statement

goal-split-by-history = by the shares of { $basis }
goal-split-seasonal = by the seasonal profile of the two years before

smart-growth-fall = It allows a fall of { $required } % on the same period last year ({ $last_year }); { $reached } of { $windows } comparable past periods did at least that well.

goal-parent-id = Part of goal (ID, optional)

api-error-method-not-allowed = This address does not take that method.
api-error-password-change-required = This account must choose a new password first: sign in on the web page.
api-error-too-large = The request body is larger than the API accepts ({ $limit }). Send fewer records per request, or import the file with attain import.
api-error-unsupported-media-type = Send the body as JSON (Content-Type: application/json).

home-goals = Goals in progress

import-unused-title = Columns not imported
import-unused-intro = No Attain field reads these columns, so their values are not stored. Choose a column for a field above if one of them should be.
import-unused-column = { $column }: a value in { $count } rows
import-column-no-header = column { $position } (no header)
import-defaults-title = Filled in where rows did not say
import-new-customers = New customers ({ $count }): { $names }
import-new-channels = New channels ({ $count }): { $names }
import-new-courses = New courses ({ $count }): { $names }
import-names-more = { $names } and { $count } more
import-default-from-column = { $count } rows had no { $field } in its own column: it was read from “{ $column }”
import-default-deal-created-on-close = { $count } deals have no creation date: they were created on their close date, so their sales cycle reads 0 days
import-default-deal-created-after-close = { $count } won or lost deals were created after their close date: their creation date is the close date
import-default-deal-amount-zero = { $count } deals have no amount: they count as 0
import-default-deal-probability-by-status = { $count } deals have no probability and their stage gives none: 10% if open, 100% if won, 0% if lost
import-default-empty-is-false = { $count } rows have an empty “{ $column }”: read as false
import-default-amount-rounded = { $count } amounts in “{ $column }” have more decimals than their currency keeps: rounded half-even to its smallest unit
import-default-customer-created-today = { $count } customers have no creation date: they were created today
import-default-customer-prospect = { $count } customers have no status: they are prospects
import-default-contact-without-customer = { $count } contacts have no customer: they are kept without one
import-default-product-list-price-zero = { $count } products have no list price: it is 0
import-default-product-cost-zero = { $count } products have no unit cost: it is 0, so their margin reads 100%
import-default-product-uncategorised = { $count } products have no category: they are “Uncategorised”
import-default-order-quantity-one = { $count } order lines have no quantity: it is 1
import-default-order-line-without-product = { $count } order lines have no product: they count for revenue but for no product, at a cost of 0
import-default-spend-marketing = { $count } spend rows have no kind: they are marketing spend
import-default-activity-other = { $count } activities are no call, visit, meeting or e-mail: they are kept as “other” and not counted as activities
import-default-activity-with-lead = { $count } activities are with a lead, which Attain does not import: the lead's ID is kept with them
import-default-activity-related-kept = { $count } activities name a record Attain does not keep (a case, a campaign, …): its ID is kept with them
import-default-ticket-customer-of-contact = { $count } tickets name only a contact: their customer is the contact's
import-default-ticket-without-customer = { $count } tickets have no customer (nor does their contact): they are kept without one
import-default-course-skill = { $count } courses have no kind: they are skill courses
import-unused-empty = Empty in every row: { $columns }
import-default-payment-beyond-order = { $count } payments exceed what was left to pay on their order: kept as paid

## Settings
nav-settings = Settings
settings-title = Settings
settings-intro = The company's name, currency, fiscal calendar and the rules every figure follows. Changes apply to everyone at once and are recorded in the audit log.
settings-saved = { $count ->
    [one] One setting was changed.
   *[other] { $count } settings were changed.
}
settings-unchanged = Nothing changed: the settings already had these values.
settings-bad-value = { $setting }: “{ $value }” is not { $expected }.
settings-goal-of = { $metric } of { $scope }
settings-goals-moved = Goals kept on their dates
settings-goals-moved-explain = The calendar changed: these goals keep their dates and are now named as the new calendar names them.
settings-goal = Goal
settings-period-before = Period before
settings-period-now = Period now
settings-unaligned = no longer a fiscal period
setting-company_name = Company name
setting-company_name-expected = a name of 1 to 200 characters
setting-base_currency = Base currency
setting-base_currency-expected = an ISO 4217 currency code such as CNY or USD; every figure is reported in it
setting-fiscal_year_start_month = Fiscal year starts in
setting-fiscal_year_start_month-expected = a month, 1 to 12
setting-fiscal_year_named_by = Fiscal years are named by
setting-fiscal_year_named_by-expected = FY2026 is the fiscal year that ends in 2026, or the one that starts in 2026
setting-named-by-start = the year they start
setting-named-by-end = the year they end
setting-time_zone = Time zone
setting-time_zone-expected = an IANA time zone such as Asia/Shanghai, or “server”; it decides when a day ends
setting-week_start = Weeks start on
setting-week_start-expected = a day of the week
setting-revenue_basis = Revenue is counted from
setting-revenue_basis-expected = orders, bookings or cash
setting-basis-orders = orders, net of refunds, by order date
setting-basis-bookings = won deals, by close date
setting-basis-cash = payments received, by date received
setting-churn_inactive_days = A customer has churned after
setting-churn_inactive_days-expected = days without an order, 1 to 3650
setting-unit_credit = Team and region figures credit a sale to
setting-unit_credit-expected = the unit its owner is in today, or the one he was in on the sale's date (matters when people move between units)
setting-credit-current = the owner's unit today
setting-credit-transaction_date = the owner's unit on the sale's date
setting-default_language = Default language
setting-default_language-expected = for people who have not chosen one and whose browser asks for neither language
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
weekday-monday = Monday
weekday-tuesday = Tuesday
weekday-wednesday = Wednesday
weekday-thursday = Thursday
weekday-friday = Friday
weekday-saturday = Saturday
weekday-sunday = Sunday

## Org chart
nav-org = Org chart
org-title = Org chart
org-add = Add a unit
org-kind = Kind
org-parent = Belongs to
org-people = { $count ->
    [one] 1 person
   *[other] { $count } people
}
org-edit = Rename or move
org-remove = Remove this unit…
org-remove-confirm = Remove { $unit }? This cannot be undone.
org-remove-yes = Yes, remove it
org-not-removable = A unit with people or units in it cannot be removed; move them first.
org-added = The unit was added.
org-changed = The unit was changed.
org-removed = The unit was removed.
org-bad-kind = Choose region, department or team.

## First run
setup-title = Set up Attain
setup-intro = Five steps bring your company in. Each can be done again later; this list goes away once your sales data is here.
setup-done = Done
setup-todo = To do
setup-settings = 1. Settings
setup-settings-hint = Company name, base currency, fiscal year, time zone, what counts as revenue.
setup-org = 2. Org chart
setup-org-hint = Regions, departments and teams, the way your figures roll up.
setup-people = 3. People
setup-people-hint = Everyone who sells or manages, each in a unit, with a role.
setup-data = 4. Sales data
setup-data-hint = Customers, deals, orders and payments, from your CRM's export files.
setup-goals = 5. First goals
setup-goals-hint = The company's targets for the year, split down to teams and people.
setup-in-progress = Attain is being set up: figures appear here once your company's sales data is in.

## People file
people-import-title = Import people
people-import-intro = Everyone who sells or manages, in one CSV or Excel file. People are found again by login, so a new version of the file updates them; someone who left is deactivated, never deleted, and keeps his history and credit. All rows or none.
people-create-units = Create the units the file names that do not exist yet (from paths such as North/N1)
people-write = Write the file (without this, it is only checked)
people-submit = Check or import
people-format = Columns: login, name, email, role (admin, sales_ops, manager, rep or viewer), unit (a name or a path such as North/N1); optional: manager (a login), start_date, end_date, active (yes or no).
people-problems = { $count ->
    [one] One problem in the file: nothing was imported.
   *[other] { $count } problems in the file: nothing was imported.
}
people-more-problems = …and { $count } more.
people-col-line = Line
people-col-column = Column
people-col-problem = Problem
people-col-value = Value
people-checked = The file is valid ({ $rows } rows): { $created } people to add, { $updated } to update or leave as they are, { $deactivated } to deactivate. Nothing was written.
people-written = { $created } people added, { $updated } updated, { $unchanged } unchanged, { $deactivated } deactivated.
people-units = { $count ->
    [one] One new unit:
   *[other] { $count } new units:
}
people-left = { $count } people have no “active” value and an end date before today: they are deactivated (their history stays).
people-unused-column = Column { $column } ({ $rows } rows with a value) is not imported.
people-passwords = One-time passwords of the new people: shown only now. Hand each over; everyone chooses a new password at first sign-in.
people-one-time = One-time password
import-people-link = Importing your people? Use the people file.

import-company-link = Moving a whole company in? Upload a zip of all its files at once.
company-import-title = Import a whole company
company-import-intro = A zip of every file of the company, each named by what it holds (people.csv, customers.csv, deals.xlsx, …), as attain export writes them. The files are imported in the order they depend on each other, whatever order they come in, in one transaction: all of them or none.
company-file = Zip file
company-write = Write the files (without this, each is only checked against the ones before it)
company-format = Files: people, territories, competitors, courses, products, customers, contacts, deals, orders, payments, refunds, activities, tickets, surveys, spend, enrolments, market-sizes, exchange-rates (.csv, .txt, .tsv or .xlsx; Attain's own column names, or a mapping file of the same name beside it: deals.toml for deals.csv). A file whose name says nothing Attain imports is refused; hidden files are named and not read.
company-col-file = File
company-checked = { $count ->
    [one] The file is valid. Nothing was written.
   *[other] All { $count } files are valid, each checked against the ones before it. Nothing was written.
}
company-written = { $count ->
    [one] One file imported.
   *[other] { $count } files imported in one transaction.
}
company-file-checked = { $rows } rows ({ $records } records) are valid.
company-file-written = { $rows } rows: { $created } created, { $updated } updated or unchanged.
company-failed = { $file } has problems: nothing was imported.
company-unchecked = Not checked, as they may name its records: { $files }.
company-refused = The zip cannot be imported as it is: nothing was imported.
company-people-admins = Only an administrator imports people.
api-docs-title = API reference
api-docs-intro = { $count } operations under /api/v1, for scripts and other systems. The same document, for tools:
api-docs-tokens = your API tokens
api-docs-contents = Contents
api-docs-public = no token needed
api-docs-parameters = Parameters
api-docs-body = Request body
api-docs-answers = Answers
api-docs-name = Name
api-docs-in = In
api-docs-type = Type
api-docs-description = Description
api-docs-field = Field
api-docs-whole = the whole body
api-docs-required = * required
api-docs-link = API reference
