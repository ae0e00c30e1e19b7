-- What imports of real exports need to store everything they are given.
--
-- An order line may have no product: a file of order totals imports as
-- orders with one line each, which count for revenue and for no product.
-- SQLite cannot drop a NOT NULL, so the table is rebuilt (nothing refers
-- to order lines).
CREATE TABLE order_lines_rebuilt (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id       INTEGER REFERENCES products (id),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor INTEGER NOT NULL,
    amount_minor     INTEGER NOT NULL,
    cost_minor       INTEGER NOT NULL
);
INSERT INTO order_lines_rebuilt (id, order_id, product_id, quantity, unit_price_minor, amount_minor, cost_minor)
    SELECT id, order_id, product_id, quantity, unit_price_minor, amount_minor, cost_minor FROM order_lines;
DROP TABLE order_lines;
ALTER TABLE order_lines_rebuilt RENAME TO order_lines;
CREATE INDEX order_lines_order ON order_lines (order_id);
