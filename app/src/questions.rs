//! Questions a meeting type asks the visitor, and the answers as BookMate
//! keeps them: text, shown as text everywhere, never as HTML.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::place::checked_phone;

/// The most questions one type asks.
pub const MOST_QUESTIONS: usize = 10;
pub const MOST_OPTIONS: usize = 10;
pub const SHORT_ANSWER_CHARS: usize = 200;
pub const LONG_ANSWER_CHARS: usize = 2_000;
pub const LABEL_CHARS: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// In the form and in links: `?q_company=ACME` prefills `company`.
    pub key: String,
    /// The question, or for a consent box the host's own wording.
    pub label: String,
    pub kind: QuestionKind,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuestionKind {
    ShortText,
    LongText,
    /// One of several.
    Choice {
        options: Vec<String>,
    },
    /// Any of several.
    Checkboxes {
        options: Vec<String>,
    },
    Phone,
    /// A box the visitor must tick: always required.
    Consent,
}

pub const UNANSWERED: &str = "Please answer this question.";
pub const UNTICKED: &str = "Please tick this box to book.";
pub const NOT_AN_OPTION: &str = "Please choose one of the options.";
pub const NOT_A_PHONE: &str = "Please give a phone number such as +44 20 7946 0958.";
pub const SHORT_TOO_LONG: &str = "Please answer on one line, in up to 200 characters.";
pub const LONG_TOO_LONG: &str = "Please keep this under 2,000 characters.";
/// Every word an answer's error may say, for errors read back from an
/// address (a form posted without JavaScript).
pub const ANSWER_MESSAGES: [&str; 6] =
    [UNANSWERED, UNTICKED, NOT_AN_OPTION, NOT_A_PHONE, SHORT_TOO_LONG, LONG_TOO_LONG];

/// The error field of the question `key`: `q_key`, as in a prefilling link.
pub fn error_field(key: &str) -> String {
    format!("q_{key}")
}

/// What the form's field for `key` is called: `answers[key]`; a checkbox
/// option's is `answers[key_N]`.
pub fn field_name(key: &str) -> String {
    format!("answers[{key}]")
}

pub fn option_field_name(key: &str, index: usize) -> String {
    format!("answers[{key}_{index}]")
}

/// One answer as kept with the booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub question: String,
    pub answer: String,
}

/// What is wrong with a visitor's answers: the question's key and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerError {
    pub key: String,
    pub message: String,
}

/// The answers to `questions` from what the form sent, in the questions'
/// order (unanswered optional ones left out), or the first question at fault.
pub fn checked_answers(
    questions: &[Question],
    given: &BTreeMap<String, String>,
) -> Result<Vec<Answer>, AnswerError> {
    let mut answers = Vec::new();
    for question in questions {
        let fail = |message: String| AnswerError { key: question.key.clone(), message };
        let value = given.get(&question.key).map(|value| value.trim()).unwrap_or_default();
        let answer = match &question.kind {
            QuestionKind::ShortText => {
                if value.chars().count() > SHORT_ANSWER_CHARS || value.chars().any(char::is_control) {
                    return Err(fail(SHORT_TOO_LONG.to_owned()));
                }
                value.to_owned()
            }
            QuestionKind::LongText => {
                let text = value.replace("\r\n", "\n").replace('\r', "\n");
                if text.chars().count() > LONG_ANSWER_CHARS {
                    return Err(fail(LONG_TOO_LONG.to_owned()));
                }
                text.chars().filter(|c| *c == '\n' || !c.is_control()).collect()
            }
            QuestionKind::Choice { options } => {
                if !value.is_empty() && !options.iter().any(|option| option == value) {
                    return Err(fail(NOT_AN_OPTION.to_owned()));
                }
                value.to_owned()
            }
            QuestionKind::Checkboxes { options } => options
                .iter()
                .enumerate()
                .filter(|(index, _)| given.contains_key(&format!("{}_{index}", question.key)))
                .map(|(_, option)| option.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            QuestionKind::Phone if value.is_empty() => String::new(),
            QuestionKind::Phone => checked_phone(value).ok_or_else(|| fail(NOT_A_PHONE.to_owned()))?,
            QuestionKind::Consent => {
                if value.is_empty() {
                    return Err(fail(UNTICKED.to_owned()));
                }
                "Yes".to_owned()
            }
        };
        if answer.is_empty() {
            if question.required {
                return Err(fail(UNANSWERED.to_owned()));
            }
            continue;
        }
        answers.push(Answer { question: question.label.clone(), answer });
    }
    Ok(answers)
}

/// The questions as a host wrote them, checked; the first problem says
/// which question (1-based) and why.
pub fn checked_questions(questions: &[Question]) -> Result<Vec<Question>, String> {
    if questions.len() > MOST_QUESTIONS {
        return Err(format!("Ask at most {MOST_QUESTIONS} questions."));
    }
    let mut checked: Vec<Question> = Vec::with_capacity(questions.len());
    for (index, question) in questions.iter().enumerate() {
        let number = index + 1;
        let label = question.label.trim().to_owned();
        if label.is_empty() || label.chars().count() > LABEL_CHARS || label.chars().any(char::is_control) {
            return Err(format!(
                "Question {number}: write it on one line, in up to {LABEL_CHARS} characters."
            ));
        }
        let key = question.key.trim().to_ascii_lowercase();
        if !(1..=30).contains(&key.len())
            || !key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!(
                "Question {number}: its name in links uses 1 to 30 lowercase letters, digits or _."
            ));
        }
        if checked.iter().any(|earlier| earlier.key == key) {
            return Err(format!("Question {number}: another question has the name {key}."));
        }
        let kind = match &question.kind {
            QuestionKind::Choice { options } | QuestionKind::Checkboxes { options } => {
                let options: Vec<String> = options
                    .iter()
                    .map(|option| option.trim().to_owned())
                    .filter(|option| !option.is_empty())
                    .collect();
                if options.is_empty()
                    || options.len() > MOST_OPTIONS
                    || options.iter().any(|option| option.chars().count() > 100)
                {
                    return Err(format!(
                        "Question {number}: give 1 to {MOST_OPTIONS} options of up to 100 characters."
                    ));
                }
                if matches!(question.kind, QuestionKind::Choice { .. }) {
                    QuestionKind::Choice { options }
                } else {
                    QuestionKind::Checkboxes { options }
                }
            }
            other => other.clone(),
        };
        let required = question.required || kind == QuestionKind::Consent;
        checked.push(Question { key, label, kind, required });
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(key: &str, kind: QuestionKind, required: bool) -> Question {
        Question { key: key.to_owned(), label: format!("{key}?"), kind, required }
    }

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect()
    }

    #[test]
    fn answers_are_checked_one_by_one_and_kept_as_text() {
        let questions = vec![
            question("company", QuestionKind::ShortText, true),
            question("agenda", QuestionKind::LongText, false),
            question("size", QuestionKind::Choice { options: vec!["1-10".into(), "11+".into()] }, false),
            question(
                "topics",
                QuestionKind::Checkboxes { options: vec!["Sales".into(), "Support".into()] },
                false,
            ),
            question("terms", QuestionKind::Consent, true),
        ];
        let answers = checked_answers(
            &questions,
            &given(&[
                ("company", " <b>ACME</b> "),
                ("agenda", "a\r\nb"),
                ("size", "11+"),
                ("topics_1", "on"),
                ("terms", "on"),
            ]),
        )
        .unwrap();
        let texts: Vec<&str> = answers.iter().map(|answer| answer.answer.as_str()).collect();
        assert_eq!(texts, ["<b>ACME</b>", "a\nb", "11+", "Support", "Yes"], "kept as text, as given");

        for (pairs, key) in [
            (vec![("terms", "on")], "company"),
            (vec![("company", "ACME")], "terms"),
            (vec![("company", "ACME"), ("terms", "on"), ("size", "500")], "size"),
            (vec![("company", "a\u{7}b"), ("terms", "on")], "company"),
        ] {
            assert_eq!(checked_answers(&questions, &given(&pairs)).unwrap_err().key, key, "{pairs:?}");
        }
        let long = "x".repeat(LONG_ANSWER_CHARS + 1);
        let error =
            checked_answers(&questions, &given(&[("company", "A"), ("terms", "on"), ("agenda", &long)]))
                .unwrap_err();
        assert_eq!(error.key, "agenda");
    }

    #[test]
    fn questions_are_checked_as_the_host_wrote_them() {
        let consent = question("terms", QuestionKind::Consent, false);
        assert!(checked_questions(&[consent]).unwrap()[0].required, "a consent box is always required");
        let twice =
            [question("a", QuestionKind::ShortText, false), question("a", QuestionKind::LongText, false)];
        assert!(checked_questions(&twice).unwrap_err().contains("another question"));
        let no_options = [question("a", QuestionKind::Choice { options: vec![" ".into()] }, false)];
        assert!(checked_questions(&no_options).unwrap_err().contains("options"));
        let bad_key = [question("Company Name", QuestionKind::ShortText, false)];
        assert!(checked_questions(&bad_key).unwrap_err().contains("name in links"));
    }
}
