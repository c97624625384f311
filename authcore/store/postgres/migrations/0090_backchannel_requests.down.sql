BEGIN;
DROP TABLE backchannel_requests;
COMMIT;
