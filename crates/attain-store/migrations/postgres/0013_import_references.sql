-- What imports of real exports need to store everything they are given.
--
-- An order line may have no product: a file of order totals imports as
-- orders with one line each, which count for revenue and for no product.
ALTER TABLE order_lines ALTER COLUMN product_id DROP NOT NULL;

-- A contact may work for no customer (Salesforce's private contacts).
ALTER TABLE contacts ALTER COLUMN customer_id DROP NOT NULL;

-- A ticket (a Salesforce case) may name only a contact; its customer is
-- the contact's, if the contact has one.
ALTER TABLE tickets ALTER COLUMN customer_id DROP NOT NULL;
ALTER TABLE tickets ADD COLUMN contact_id BIGINT REFERENCES contacts (id);

-- An activity relates to whatever its source names: a customer, a deal, a
-- contact, a lead (Attain keeps no leads: the lead's ID is kept) or
-- another record Attain does not keep (a case, a campaign), by its ID.
-- 'other' holds the CRMs' to-dos and types that are no call, visit,
-- meeting or e-mail; the activities KPI does not count them.
ALTER TABLE activities DROP CONSTRAINT activities_kind_check;
ALTER TABLE activities ADD CONSTRAINT activities_kind_check CHECK (kind IN ('call', 'visit', 'meeting', 'email', 'other'));
ALTER TABLE activities ADD COLUMN contact_id BIGINT REFERENCES contacts (id);
ALTER TABLE activities ADD COLUMN lead_external_id TEXT;
ALTER TABLE activities ADD COLUMN related_external_id TEXT;
