-- A send_email job's link carries a secret token (verify an address, reset a password, confirm
-- a new address). Once the mail is sent the queue has no use for it, yet finished jobs are kept
-- for JOB_RETENTION_DAYS: the link is dropped from the payload as the job settles as done, so a
-- database dump or the jobs console shows no live token. (A failed mail keeps it, so an admin
-- retry can still send it; its token expires within 24 hours anyway.)
CREATE OR REPLACE FUNCTION movio_forget_sent_mail_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.payload := NEW.payload #- '{data,link}';
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER jobs_forget_sent_mail_link BEFORE UPDATE OF state ON jobs
  FOR EACH ROW WHEN (NEW.type = 'send_email' AND NEW.state = 'done' AND OLD.state <> 'done')
  EXECUTE FUNCTION movio_forget_sent_mail_link();
--> statement-breakpoint
-- Mails already sent.
UPDATE jobs SET payload = payload #- '{data,link}' WHERE type = 'send_email' AND state = 'done';
