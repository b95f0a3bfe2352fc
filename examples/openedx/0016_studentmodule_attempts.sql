--
-- Add field attempts to studentmodule (AddField with default=0: Django adds the column
-- with a DEFAULT, then drops the default: two metadata-lock windows)
--
ALTER TABLE `courseware_studentmodule` ADD COLUMN `attempts` integer DEFAULT 0 NOT NULL;
ALTER TABLE `courseware_studentmodule` ALTER COLUMN `attempts` DROP DEFAULT;
